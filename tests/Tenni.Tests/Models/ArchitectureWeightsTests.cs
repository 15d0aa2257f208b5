using Tenni.Models;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

/// <summary>
/// Every architecture read from every weight format: random weights written as the file users have, loaded
/// by Tenni, and every Chainer layer compared with ONNX Runtime running Tenni's ONNX writing of the same
/// weights. Networks are reduced in width (same depth and structure); tolerance: 1e-4 of each tensor's
/// largest magnitude.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ArchitectureWeightsTests : IDisposable
{
    private static readonly string[] VggLayers =
    [
        "conv1_1", "conv1_2", "pool1", "conv2_1", "conv2_2", "pool2", "conv3_1", "conv3_2", "conv3_3", "pool3",
        "conv4_1", "conv4_2", "conv4_3", "pool4", "conv5_1", "conv5_2", "conv5_3", "pool5", "fc6", "fc7", "fc8", "prob",
    ];

    private static readonly string[] GoogLeNetLayers =
    [
        "conv1", "pool1", "conv2_reduce", "conv2", "pool2", "inception_3a", "inception_3b", "pool3", "inception_4a", "inception_4b",
        "inception_4c", "inception_4d", "inception_4e", "pool4", "inception_5a", "inception_5b", "pool5", "loss3_fc", "prob",
    ];

    private static readonly string[] ResNetLayers = ["conv1", "pool1", "res2", "res3", "res4", "res5", "pool5", "fc6", "prob"];

    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-arch-").FullName;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in new[] { "vgg16", "googlenet", "resnet50", "resnet101", "resnet152" })
        {
            foreach (string format in new[] { "npz", "pth", "pth-legacy", "safetensors", "onnx-caffe", "onnx-torch" })
            {
                data.Add(model, format);
            }
        }

        data.Add("vgg16", "safetensors-f16");

        // torchvision's first ResNet files (resnet50-19c8e357.pth …) are torch's tar format.
        data.Add("resnet50", "pth-tar");
        data.Add("resnet152", "pth-tar");
        return data;
    }

    internal static int DivisorOf(string model) => model == "googlenet" ? 8 : 16;

    internal static string[] LayersOf(string model) => model switch
    {
        "vgg16" => VggLayers,
        "googlenet" => GoogLeNetLayers,
        _ => ResNetLayers,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_layer_matches_onnx_runtime_on_the_same_weights(string model, string format)
    {
        int divisor = DivisorOf(model);
        var files = RandomWeightFiles.Write(model, format, _folder, divisor);
        using var source = SourceModel.Load(model, new SourceModelOptions { WeightsPath = files.Path, WidthDivisor = divisor });

        Assert.Equal(LayersOf(model), source.AvailableLayers);
        Assert.Equal(files.Family, format.StartsWith("onnx", StringComparison.Ordinal) ? files.Family : Family(source));

        long[] shape = [2, 3, 224, 224];
        var random = new Random(3);
        float[] input = Enumerable.Range(0, 2 * 3 * 224 * 224).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var tensors = source.Aliases.Select(a => a.Tensor).Distinct().ToArray();
        var expected = OrtOutputs.Run(files.Reference, input, shape, tensors);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actual = source.Graph.Run(tensor(input, shape), tensors);
        foreach (var alias in source.Aliases)
        {
            float[] values = actual[alias.Tensor].contiguous().data<float>().ToArray();
            TensorAssert.WithinScale(expected[alias.Tensor], values, 1e-4, $"{model} {format} {alias.Name}");
        }
    }

    [Theory]
    [InlineData("pytorch")]
    [InlineData("mxnet")]
    [InlineData("matmul")]
    public void Vgg16_exported_by_other_tools_answers_to_chainer_names_and_matches_the_checkpoint(string style)
    {
        var pth = RandomWeightFiles.Write("vgg16", "pth", _folder, 16);
        var (foreign, expected) = ForeignVgg16.Build(style, pth.Arrays);
        string onnxPath = Path.Combine(_folder, $"vgg16-{style}.onnx");
        File.WriteAllBytes(onnxPath, Google.Protobuf.MessageExtensions.ToByteArray(foreign));
        using var fromOnnx = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = onnxPath });
        using var fromPth = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = pth.Path, WidthDivisor = 16 });

        Assert.Equal(VggLayers.Where(l => l != "prob"), fromOnnx.AvailableLayers);
        Assert.All(fromOnnx.Aliases, a => Assert.Equal(expected[a.Name], a.Tensor));

        // Dropout is the identity outside training: ONNX Runtime's ReLU output is the reference for fc6 and fc7.
        long[] shape = [1, 3, 224, 224];
        var random = new Random(5);
        float[] input = Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var ort = OrtOutputs.Run(foreign, input, shape, expected.Values.Select(Undropped).Distinct().ToArray());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var model in new[] { fromOnnx, fromPth })
        {
            var outputs = model.Forward(tensor(input, shape), VggLayers.Where(l => l != "prob").ToArray());
            foreach (var (layer, value) in outputs)
            {
                float[] actual = value.contiguous().data<float>().ToArray();
                TensorAssert.WithinScale(ort[Undropped(expected[layer])], actual, 1e-4, $"{style} {model.WeightsFormat} {layer}");
            }
        }

        static string Undropped(string tensor) => tensor.Replace("_tenni_dropout", "", StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_names_the_layer_and_both_shapes()
    {
        var files = RandomWeightFiles.Write("vgg16", "npz", _folder, divisor: 16);
        var error = Assert.Throws<TenniException>(() => SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = files.Path }));
        Assert.Contains("conv1_1", error.Message);
        Assert.Contains("[4, 3, 3, 3]", error.Message);
        Assert.Contains("expected [64, 3, 3, 3]", error.Message);
    }

    [Theory]
    [InlineData("vgg16", "resnet50", "pth", "resnet50")]
    [InlineData("resnet152", "resnet50", "npz", "resnet50")]
    [InlineData("googlenet", "vgg16", "safetensors", "vgg16")]
    [InlineData("resnet50", "googlenet", "npz", "googlenet")]
    public void Weights_of_another_architecture_say_which_it_is(string asked, string actual, string format, string named)
    {
        var files = RandomWeightFiles.Write(actual, format, _folder, DivisorOf(actual));
        var error = Assert.Throws<TenniException>(() => SourceModel.Load(asked, new SourceModelOptions { WeightsPath = files.Path, WidthDivisor = DivisorOf(asked) }));
        Assert.Contains($"--model {named}", error.Message);
    }

    [Theory]
    [InlineData("npz")]
    [InlineData("pth")]
    [InlineData("safetensors")]
    [InlineData("onnx-torch")]
    public void A_truncated_file_is_refused_with_its_name(string format)
    {
        var files = RandomWeightFiles.Write("vgg16", format, _folder, 16);
        byte[] bytes = File.ReadAllBytes(files.Path);
        File.WriteAllBytes(files.Path, bytes[..(bytes.Length * 2 / 3)]);
        var error = Assert.Throws<TenniException>(() => SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = files.Path, WidthDivisor = 16 }));
        Assert.Contains(files.Path, error.Message);
    }

    [Fact]
    public void Each_family_brings_its_preprocessing()
    {
        var npz = RandomWeightFiles.Write("vgg16", "npz", _folder, 16);
        var pth = RandomWeightFiles.Write("resnet50", "pth", _folder, 16);
        using var vgg = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = npz.Path, WidthDivisor = 16 });
        using var resnet = SourceModel.Load("resnet50", new SourceModelOptions { WeightsPath = pth.Path, WidthDivisor = 16 });
        using var overridden = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = npz.Path, WidthDivisor = 16, Preprocessing = WeightFamily.Torchvision });

        Assert.Equal(("caffe", true, 103.939f, (int?)null), (vgg.Preprocessing.Kind, vgg.Preprocessing.Bgr, vgg.Preprocessing.Mean[0], vgg.Preprocessing.ResizeShorterSide));
        Assert.Equal(("torch", false, 0.485f, (int?)256), (resnet.Preprocessing.Kind, resnet.Preprocessing.Bgr, resnet.Preprocessing.Mean[0], resnet.Preprocessing.ResizeShorterSide));
        Assert.Equal("torch", overridden.Preprocessing.Kind);
        Assert.Equal("Chainer .npz", vgg.WeightsFormat);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static WeightFamily Family(SourceModel source) => source.Preprocessing.Kind == "caffe" ? WeightFamily.Caffe : WeightFamily.Torchvision;
}
