using Google.Protobuf;
using Onnx;
using Tenni.Models;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

/// <summary>
/// GoogLeNet and ResNet ONNX files as other tools write them (the model zoo's Caffe2 and MXNet files, PyTorch's
/// export), built in the tests independently of Tenni's writer: Chainer's names must resolve to the tensors
/// each exporter names, and every layer must match ONNX Runtime on the file, loaded either from the file or
/// from the weight file it was made from. Tolerance: 1e-4 of each tensor's largest magnitude.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ForeignExportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-foreign-").FullName;

    [Theory]
    [InlineData("caffe2")]
    [InlineData("caffe2-opset3")]
    [InlineData("pytorch")]
    public void GoogLeNet_exported_by_other_tools_answers_to_chainer_names(string style)
    {
        bool torch = style == "pytorch";
        var file = RandomWeightFiles.Write("googlenet", torch ? "pth" : "npz", _folder, 8);
        var (foreign, reference, expected) = ForeignGoogLeNet.Build(style, file.Arrays);

        // torchvision's weights see (p − 0.5) / 0.5; its export takes ImageNet-normalized input and converts.
        float[] pixels = RandomPixels(9);
        float[] input = torch ? Normalize(pixels, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]) : pixels;
        float[] referenceInput = torch ? Normalize(pixels, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]) : pixels;
        using var fromOnnx = Load("googlenet", foreign, style);
        Assert.Equal(torch ? (0.5f, 0.5f) : (117f, 0f), (fromOnnx.Preprocessing.Mean[1], fromOnnx.Preprocessing.Std?[1] ?? 0f));
        AssertMatches(fromOnnx, file, 8, expected, reference, input, referenceInput, style);
    }

    [Theory]
    [InlineData("caffe2", "resnet50", "npz")]
    [InlineData("mxnet", "resnet50", "pth")]
    [InlineData("pytorch", "resnet101", "pth")]
    public void ResNet_exported_by_other_tools_answers_to_chainer_names(string style, string model, string format)
    {
        var file = RandomWeightFiles.Write(model, format, _folder, 16);
        var (foreign, reference, expected) = ForeignResNet.Build(style, file.Arrays);
        float[] input = RandomPixels(11).Select(p => (p * 4) - 2).ToArray();
        using var fromOnnx = Load(model, foreign, style);
        Assert.Equal(style == "caffe2" ? "caffe2" : "torch", fromOnnx.Preprocessing.Kind);
        AssertMatches(fromOnnx, file, 16, expected, reference, input, input, style);
    }

    [Fact]
    public void An_input_prefix_from_another_tool_than_pytorch_is_kept()
    {
        // Only PyTorch's export carries torchvision's transform_input; the same nodes from another producer stay.
        var file = RandomWeightFiles.Write("googlenet", "pth", _folder, 8);
        var (pytorch, _, _) = ForeignGoogLeNet.Build("pytorch", file.Arrays);
        var other = pytorch.Clone();
        other.ProducerName = "some-converter";
        using var fromPyTorch = Load("googlenet", pytorch, "pytorch-prefix");
        using var fromOther = Load("googlenet", other, "other-prefix");

        Assert.False(fromPyTorch.Graph.HasTensor("/Concat_output_0"));
        Assert.True(fromOther.Graph.HasTensor("/Concat_output_0"));
        Assert.Equal(fromPyTorch.AvailableLayers, fromOther.AvailableLayers);
    }

    [Fact]
    public void A_caffe2_resnet_gets_caffe2s_preprocessing_bgr_normalized_with_imagenet_statistics()
    {
        // The zoo's resnet50-caffe2 takes BGR, (p − [103.53, 116.28, 123.675]) / [57.375, 57.12, 58.395]
        // (OpenVINO's model card for it); Chainer's mean subtraction alone would be ~57× too large.
        var file = RandomWeightFiles.Write("resnet50", "npz", _folder, 16);
        using var source = Load("resnet50", ForeignResNet.Build("caffe2", file.Arrays).Model, "caffe2-preprocessing");
        byte[] pixels = Enumerable.Range(0, 224 * 224).SelectMany(_ => new byte[] { 200, 100, 50 }).ToArray();
        float[] input = new float[3 * 224 * 224];

        source.Preprocessing.Normalize(new Tenni.Imaging.RgbImage(224, 224, pixels), input);

        Assert.Equal((50 - 103.53f) / 57.375f, input[0], 1e-5f);
        Assert.Equal((100 - 116.28f) / 57.12f, input[224 * 224], 1e-5f);
        Assert.Equal((200 - 123.675f) / 58.395f, input[2 * 224 * 224], 1e-5f);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private SourceModel Load(string model, ModelProto onnx, string style)
    {
        string path = Path.Combine(_folder, $"{model}-{style}.onnx");
        File.WriteAllBytes(path, onnx.ToByteArray());
        return SourceModel.Load(model, new SourceModelOptions { WeightsPath = path });
    }

    private static void AssertMatches(SourceModel fromOnnx, RandomWeightFiles file, int divisor, Dictionary<string, string> expected, ModelProto reference, float[] input, float[] referenceInput, string style)
    {
        string[] layers = ArchitectureWeightsTests.LayersOf(fromOnnx.Descriptor.Name).Where(expected.ContainsKey).ToArray();
        Assert.Equal(layers, fromOnnx.AvailableLayers);
        Assert.All(fromOnnx.Aliases, a => Assert.Equal(expected[a.Name], a.Tensor));

        long[] shape = [1, 3, 224, 224];
        var ort = OrtOutputs.Run(reference, referenceInput, shape, expected.Values.ToArray());
        using var fromFile = SourceModel.Load(fromOnnx.Descriptor.Name, new SourceModelOptions { WeightsPath = file.Path, WidthDivisor = divisor });
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var source in new[] { fromOnnx, fromFile })
        {
            foreach (var (layer, value) in source.Forward(tensor(input, shape), layers))
            {
                float[] actual = value.contiguous().data<float>().ToArray();
                TensorAssert.WithinScale(ort[expected[layer]], actual, 1e-4, $"{style} {source.WeightsFormat} {layer}");
            }
        }
    }

    private static float[] RandomPixels(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)random.NextDouble()).ToArray();
    }

    private static float[] Normalize(float[] planar, float[] mean, float[] std) =>
        planar.Select((p, i) => (p - mean[i / (224 * 224)]) / std[i / (224 * 224)]).ToArray();
}
