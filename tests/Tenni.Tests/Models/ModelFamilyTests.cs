using Tenni.Imaging;
using Tenni.Models;

namespace Tenni.Tests.Models;

/// <summary>
/// The per-family table against the values each family's weights were published with, typed here
/// independently of it (Chainer's <c>prepare</c> means, torchvision's and Caffe2's transforms).
/// </summary>
public sealed class ModelFamilyTests
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    public static TheoryData<string, WeightFamily?, string> Expected => new()
    {
        { "vgg16", WeightFamily.Caffe, Caffe(103.939f, 116.779f, 123.68f) },
        { "vgg16", WeightFamily.Torchvision, Torch(ImageNetMean, ImageNetStd) },
        { "vgg16", null, Torch(ImageNetMean, ImageNetStd) },
        { "googlenet", WeightFamily.Caffe, Caffe(104f, 117f, 123f) },
        { "googlenet", WeightFamily.Torchvision, Torch([0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]) },
        { "googlenet", null, Caffe(104f, 117f, 123f) },
        { "resnet18", WeightFamily.Caffe, Caffe(103.063f, 115.903f, 123.152f) },
        { "resnet18", WeightFamily.Torchvision, Torch(ImageNetMean, ImageNetStd) },
        { "resnet18", WeightFamily.Caffe2, Caffe2() },
        { "resnet50", WeightFamily.Caffe, Caffe(103.063f, 115.903f, 123.152f) },
        { "resnet101", WeightFamily.Torchvision, Torch(ImageNetMean, ImageNetStd) },
        { "resnet152", WeightFamily.Caffe2, Caffe2() },
        { "resnet152", null, Torch(ImageNetMean, ImageNetStd) },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void PreprocessingFor_EachFamily_IsThePublishedTransform(string model, WeightFamily? family, string expectedFingerprint)
    {
        Assert.Equal(expectedFingerprint, ModelRegistry.Get(model).PreprocessingFor(family).Fingerprint());
    }

    [Theory]
    [InlineData("resnet18", "pool5")]
    [InlineData("vgg16", "fc7")]
    [InlineData("googlenet", "pool5")]
    [InlineData("resnet50", "pool5")]
    [InlineData("resnet101", "pool5")]
    [InlineData("resnet152", "pool5")]
    public void DefaultLayer_EachModel_IsChainersFeatureLayer(string model, string layer)
    {
        Assert.Equal(layer, ModelRegistry.Get(model).DefaultLayer);
    }

    [Fact]
    public void PreprocessingFor_TwoCalls_DoNotShareArrays()
    {
        // A caller that changes its preprocessing's mean must not change the next model's.
        var first = ModelRegistry.Get("resnet50").PreprocessingFor(WeightFamily.Caffe);
        var second = ModelRegistry.Get("resnet50").PreprocessingFor(WeightFamily.Caffe);

        Assert.NotSame(first.Mean, second.Mean);
    }

    private static string Caffe(float b, float g, float r) =>
        new Preprocessing { Kind = "caffe", Size = 224, Bgr = true, Mean = [b, g, r] }.Fingerprint();

    private static string Torch(float[] mean, float[] std) => new Preprocessing
    {
        Kind = "torch", Size = 224, ResizeShorterSide = 256, Filter = ResizeFilter.Bilinear, Bgr = false, Scale = 1f / 255f, Mean = mean, Std = std,
    }.Fingerprint();

    // Caffe2 (the ONNX model zoo's resnet50-caffe2): BGR, (p/255 − mean) / std with mean and std given B, G, R.
    private static string Caffe2() => new Preprocessing
    {
        Kind = "caffe2", Size = 224, ResizeShorterSide = 256, Filter = ResizeFilter.Bilinear, Bgr = true, Scale = 1f / 255f,
        Mean = [0.406f, 0.456f, 0.485f], Std = [0.225f, 0.224f, 0.229f],
    }.Fingerprint();
}
