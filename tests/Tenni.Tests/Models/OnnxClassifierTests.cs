using Tenni.Onnx;
using Tenni.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

/// <summary>
/// The four torchvision classifiers in ../shared/models (random weights, torch.onnx.export) loaded from
/// their path: stages are discovered, <c>pool</c> and <c>logits</c> on the photos in <c>input.npy</c>
/// match PyTorch's <c>pool.npy</c> and <c>logits.npy</c>, and every stage matches ONNX Runtime on the
/// same file. Tolerance: 1e-4 of each tensor's largest magnitude (fp32 summation order only).
/// </summary>
[Collection(TorchCollection.Name)]
[Trait("Category", Categories.RealModel)]
public sealed class OnnxClassifierTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models() => new(SharedModels.Names);

    [Theory]
    [MemberData(nameof(Models))]
    public void Shared_model_from_its_path_matches_pytorch_and_onnx_runtime(string name)
    {
        // Given an exported classifier and PyTorch's outputs for four photos
        string file = SharedModels.File(name);
        var (_, _, inputShape, input) = NpyFile.Read(SharedModels.Path(name, "input.npy"));
        var (_, _, _, pool) = NpyFile.Read(SharedModels.Path(name, "pool.npy"));
        var (_, _, _, logits) = NpyFile.Read(SharedModels.Path(name, "logits.npy"));

        // When Tenni loads it by path and runs every named layer
        using var model = SourceModel.Load(file);
        Assert.Equal(["pool", "logits"], model.AvailableLayers.TakeLast(2));
        string[] stages = model.AvailableLayers.Where(l => l.StartsWith("stage", StringComparison.Ordinal)).ToArray();
        Assert.True(stages.Length >= 4, $"{name}: stages {string.Join(", ", stages)}");
        using var scope = NewDisposeScope();
        var outputs = model.Forward(tensor(input, inputShape), model.AvailableLayers);

        // Then pool and logits match PyTorch, and every stage matches ONNX Runtime
        AssertClose(pool, outputs["pool"], $"{name} pool");
        AssertClose(logits, outputs["logits"], $"{name} logits");
        var reference = OrtOutputs.Run(OnnxModelFile.Load(file), input, inputShape, stages.Select(s => model.Resolve(s).Tensor).ToArray());
        foreach (string stage in stages)
        {
            AssertClose(reference[model.Resolve(stage).Tensor], outputs[stage], $"{name} {stage}");
        }
    }

    private void AssertClose(float[] expected, Tensor actual, string label)
    {
        float[] values = actual.contiguous().data<float>().ToArray();
        TensorAssert.WithinScale(expected, values, 1e-4, label);
        double scale = expected.Max(v => Math.Abs(v));
        output.WriteLine($"{label}: max |diff| {expected.Zip(values, (e, a) => Math.Abs(e - a)).Max():G3} (largest magnitude {scale:G3})");
    }
}
