using Tenni.Models;
using Tenni.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class ResNet18ModelTests(ResNet18Fixture fixture) : IClassFixture<ResNet18Fixture>
{
    [Fact]
    public void AvailableLayers_BundledResNet18_AreChainersNamesInOrder()
    {
        Assert.Equal(["conv1", "pool1", "res2", "res3", "res4", "res5", "pool5"], fixture.Model.AvailableLayers);
    }

    [Fact]
    public void DescribeLayers_BundledResNet18_GivesShapesAndParameterCounts()
    {
        var layers = fixture.Model.DescribeLayers().ToDictionary(l => l.Name);

        Assert.Equal([64L, 112, 112], layers["conv1"].OutputShape);
        Assert.Equal([64L, 56, 56], layers["pool1"].OutputShape);
        Assert.Equal([64L, 56, 56], layers["res2"].OutputShape);
        Assert.Equal([128L, 28, 28], layers["res3"].OutputShape);
        Assert.Equal([256L, 14, 14], layers["res4"].OutputShape);
        Assert.Equal([512L, 7, 7], layers["res5"].OutputShape);
        Assert.Equal([512L], layers["pool5"].OutputShape);
        Assert.Equal(0, layers["pool1"].Parameters);
        Assert.Equal(0, layers["pool5"].Parameters);

        // 7×7×3×64 conv weights + BN scale and shift; in total the CNTK model has 15.9 M parameters (DESIGN.md).
        Assert.Equal((7 * 7 * 3 * 64) + 64 + 64, layers["conv1"].Parameters);
        Assert.InRange(layers.Values.Sum(l => l.Parameters), 15_800_000, 16_000_000);
    }

    [Fact]
    public void OutputShape_FriendlyAndRawNames_MatchWhatForwardReturns()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        string pool5 = fixture.Model.Resolve("pool5").Tensor;
        Tensor batch = zeros(2, 3, 224, 224);

        var outputs = fixture.Model.Forward(batch, ["res4", "pool5", pool5]);

        Assert.Equal(outputs["res4"].shape[1..], fixture.Model.OutputShape("res4"));
        Assert.Equal([512L], fixture.Model.OutputShape("pool5"));
        Assert.Equal([512L, 1, 1], fixture.Model.OutputShape(pool5));
        Assert.Equal(outputs[pool5].shape[1..], fixture.Model.OutputShape(pool5));
    }

    [Fact]
    public void BatchStatisticsLayers_BundledResNet18_AreItsBatchNormalizationLayersInOrder()
    {
        var expected = fixture.Model.Graph.Layers.Where(l => l.OpType == "BatchNormalization").ToArray();

        Assert.NotEmpty(expected);
        Assert.Equal(expected, fixture.Model.BatchStatisticsLayers);
    }

    [Fact]
    public void Forward_SeveralLayersAnyBatchSize_ReturnsEachWithBatchDimension()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor batch = randn(3, 3, 224, 224, generator: new Generator(5));

        var outputs = fixture.Model.Forward(batch, ["res4", "pool5"]);

        Assert.Equal([3L, 256, 14, 14], outputs["res4"].shape);
        Assert.Equal([3L, 512], outputs["pool5"].shape);
    }

    [Fact]
    public void Forward_UnknownLayer_ListsAvailableLayers()
    {
        var error = Assert.Throws<TenniException>(() => fixture.Model.Forward(zeros(1, 3, 224, 224), ["fc7"]));

        Assert.Contains("'fc7'", error.Message);
        Assert.Contains("conv1, pool1, res2, res3, res4, res5, pool5", error.Message);
    }

    [Fact]
    public void OptimizerStep_OnlyRes5Unfrozen_ChangesExactlyRes5Parameters()
    {
        // Given a fresh model (this test trains it) with every layer frozen but res5
        using var model = SourceModel.Load("resnet18");
        model.SetTrainable(false);
        model.SetTrainable(true, "res5");
        var res5 = model.LayersOf("res5").SelectMany(l => l.parameters()).ToHashSet();
        var before = model.Graph.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var buffersBefore = model.Graph.named_buffers().ToDictionary(b => b.name, b => b.buffer.clone());
        Assert.NotEmpty(res5);

        // When one optimizer step is taken on a loss of pool5
        model.Graph.train();
        var optimizer = optim.SGD(model.Graph.parameters().Where(p => p.requires_grad), 0.1);
        using (var scope = NewDisposeScope())
        {
            Tensor batch = randn(2, 3, 224, 224, generator: new Generator(11));
            Tensor loss = model.Features(batch, "pool5").square().mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        // Then every res5 parameter moved and no other parameter did, and frozen layers kept their BN statistics
        var res5Names = model.LayersOf("res5").Select(l => l.GetName()).ToHashSet();
        foreach (var (name, parameter) in model.Graph.named_parameters())
        {
            bool changed = !before[name].allclose(parameter.detach(), rtol: 0, atol: 0);
            Assert.True(res5.Contains(parameter) == changed, $"{name}: changed={changed}, in res5={res5.Contains(parameter)}");
        }

        foreach (var (name, buffer) in model.Graph.named_buffers())
        {
            bool changed = !buffersBefore[name].allclose(buffer, rtol: 0, atol: 0);
            bool inRes5 = res5Names.Contains(name.Split('.')[0]);
            Assert.True(inRes5 == changed, $"{name}: changed={changed}, in res5={inRes5}");
        }
    }
}
