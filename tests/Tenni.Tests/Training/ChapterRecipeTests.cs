using System.Text.Json;
using Tenni.Features;
using Tenni.Models;
using Tenni.Tests.Models;
using Tenni.Tests.Support;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Tests.Training;

/// <summary>
/// The chapter's recipe on VGG16 (reduced width, random weights from a Chainer .npz): <c>--layer fc7
/// --train-layers fc7</c> caches fc6's output before its dropout, applies the dropout on the fly, and
/// trains exactly as the uncached network does.
/// </summary>
[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class ChapterRecipeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-recipe-").FullName;

    [Fact]
    public void Fc7_training_caches_fc6_before_its_dropout_and_matches_the_uncached_run()
    {
        var npz = RandomWeightFiles.Write("vgg16", "npz", _folder, ArchitectureWeightsTests.DivisorOf("vgg16"));
        var options = new TrainOptions
        {
            Model = "vgg16",
            Weights = npz.Path,
            WidthDivisor = 16,
            Layer = "fc7",
            TrainLayers = ["fc7"],
            HeadSolver = HeadSolver.Gradient, // the chapter's recipe: with the cache on, 12 photos per class would otherwise get the few-photo one
            PerClass = 12,
            Epochs = 2,
            BatchSize = 8,
            CacheFolder = Path.Combine(_folder, "cache"),
        };

        var cached = TrainingRun.Train(TestData.PetImages, Path.Combine(_folder, "cached"), options, new StringWriter());
        var uncached = TrainingRun.Train(TestData.PetImages, Path.Combine(_folder, "uncached"), options with { Cache = false }, new StringWriter());

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "cached", "config.json")));
        Assert.Equal("relu_fc6", config.RootElement.GetProperty("cache").GetProperty("tensor").GetString());
        Assert.Equal("fc6", config.RootElement.GetProperty("cache").GetProperty("layer").GetString());
        Assert.True(cached.Cached);

        // The dropout masks come from the same generator in the same order either way, so the runs agree
        // up to the summation order of the cached convolutions.
        var a = Losses(cached.LogPath);
        var b = Losses(uncached.LogPath);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i], b[i], 1e-3);
        }
    }

    [Fact]
    public void Fc6_dropout_is_active_while_training_and_the_identity_otherwise()
    {
        var npz = RandomWeightFiles.Write("vgg16", "npz", _folder, 16);
        using var source = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = npz.Path, WidthDivisor = 16 });
        using var model = new ClassifierModel(source, "fc7", 2, seed: 1);
        source.SetTrainable(true, "fc7");
        var plan = CachePlan.Decide(model, new TrainOptions { Model = "vgg16", TrainLayers = ["fc7"] });
        Assert.Equal("relu_fc6", plan.Tensor);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var fc6 = source.Forward(randn(4, 3, 224, 224) * 50, ["relu_fc6"])["relu_fc6"];
        model.Train(true);
        var first = model.Logits(plan.Tensor!, fc6);
        var second = model.Logits(plan.Tensor!, fc6);
        model.Train(false);
        var third = model.Logits(plan.Tensor!, fc6);
        var fourth = model.Logits(plan.Tensor!, fc6);
        Assert.False(first.allclose(second), "training: two passes draw different dropout masks");
        Assert.True(third.allclose(fourth, rtol: 0, atol: 0), "evaluation: dropout is the identity");
    }

    [Fact]
    public void LayerLearningRates_TrainedLayerGetsItsRate_AFrozenOneIsRefused()
    {
        var npz = RandomWeightFiles.Write("vgg16", "npz", _folder, 16);
        using var source = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = npz.Path, WidthDivisor = 16 });
        source.Freeze(["fc7"], FrozenBatchNorm.Frozen);
        using var model = new ClassifierModel(source, "fc7", 2, seed: 1);
        var options = new TrainOptions { Model = "vgg16", TrainLayers = ["fc7"], LayerLearningRates = new Dictionary<string, double> { ["fc7"] = 3e-4 } };

        var optimizer = TrainingOptimizer.Create(model, options);

        Assert.Equal([3e-4, 1e-3], optimizer.BaseRates.Order()); // fc7 at its own rate, the head at 10 × --lr
        var error = Assert.Throws<TenniException>(() => TrainingOptimizer.Create(model, options with { LayerLearningRates = new Dictionary<string, double> { ["fc6"] = 1e-5 } }));
        Assert.Contains("layer 'fc6', but it is frozen: add it to --train-layers", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static List<double> Losses(string log) =>
        JsonDocument.Parse(File.ReadAllText(log)).RootElement.EnumerateArray()
            .SelectMany(e => new[] { e.GetProperty("main/loss").GetDouble(), e.GetProperty("validation/main/loss").GetDouble() })
            .ToList();
}
