using Tenni.Models;
using Tenni.Tests.Cli;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

/// <summary>
/// The chapter's VGG16 at full size (138 M random parameters, a 553 MB Chainer .npz written as Chainer
/// writes it): <c>tenni layers</c> prints Chainer's names with their shapes, and fc7 and prob match ONNX
/// Runtime on Tenni's ONNX writing of the same weights (tolerance 1e-4 of the largest magnitude).
/// </summary>
[Trait("Category", Categories.FullSize)]
[Collection(TorchCollection.Name)]
public sealed class FullSizeVgg16Tests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-vgg16-full-").FullName;

    [Fact]
    public void Full_size_npz_lists_chainer_layers_and_matches_onnx_runtime()
    {
        var files = RandomWeightFiles.Write("vgg16", "npz", _folder, divisor: 1);

        var (code, output, error) = CliRunner.Run("layers", "--model", "vgg16", "--weights", files.Path);
        Assert.True(code == 0, error);
        Assert.Matches(@"conv1_1\s+\(64, 224, 224\)\s+1,792", output);
        Assert.Matches(@"conv5_3\s+\(512, 14, 14\)\s+2,359,808", output);
        Assert.Matches(@"pool5\s+\(512, 7, 7\)\s+0", output);
        Assert.Matches(@"fc6\s+\(4096,\)\s+102,764,544", output);
        Assert.Matches(@"fc7\s+\(4096,\)\s+16,781,312", output);
        Assert.Matches(@"prob\s+\(1000,\)\s+0", output);
        Assert.Contains("total parameters: 138,357,544", output);
        Assert.Contains("preprocessing: caffe", output);

        using var source = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = files.Path });
        long[] shape = [1, 3, 224, 224];
        var random = new Random(11);
        float[] input = Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)((random.NextDouble() * 200) - 100)).ToArray();
        string[] layers = ["pool5", "fc7", "prob"];
        var tensors = layers.Select(l => source.Resolve(l).Tensor).ToArray();
        var expected = OrtOutputs.Run(files.Reference, input, shape, tensors);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actual = source.Forward(tensor(input, shape), layers);
        foreach (string layer in layers)
        {
            float[] values = actual[layer].contiguous().data<float>().ToArray();
            TensorAssert.WithinScale(expected[source.Resolve(layer).Tensor], values, 1e-4, layer);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
