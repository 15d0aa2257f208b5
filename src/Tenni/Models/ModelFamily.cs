using Tenni.Imaging;
using Tenni.Models.Architectures;
using Tenni.Onnx;

namespace Tenni.Models;

/// <summary>
/// What the pretrained weights of one family of networks expect, each value written once (timm's
/// <c>PretrainedCfg</c>): the mean of Caffe-derived files, torchvision's normalization, the friendly layer
/// names and the layer features are read from by default. Every registry entry of a family derives its
/// preprocessing and default layer from here; Caffe2's transform is the same for every network.
/// </summary>
/// <param name="DefaultLayer">The layer <c>extract</c> and training use unless told otherwise.</param>
/// <param name="CaffeMeanBgr">Chainer's <c>prepare</c> mean for this family's Caffe-derived weights (B, G, R).</param>
/// <param name="TorchvisionMean">The mean torchvision's weights of this family are normalized with (R, G, B, after /255).</param>
/// <param name="TorchvisionStd">The standard deviation that goes with <paramref name="TorchvisionMean"/>.</param>
/// <param name="ResolveAliases">Friendly layer names found from a graph's structure, in forward order.</param>
internal sealed record ModelFamily(
    string DefaultLayer,
    float[] CaffeMeanBgr,
    float[] TorchvisionMean,
    float[] TorchvisionStd,
    Func<OnnxGraph, IReadOnlyList<LayerAlias>> ResolveAliases)
{
    /// <summary>VGG16 (Chainer's <c>VGG16Layers</c>): the Caffe mode's own mean, ImageNet's statistics, features from fc7 as in the chapter.</summary>
    public static ModelFamily Vgg { get; } = new("fc7", Preprocessing.VggMeanBgr, Preprocessing.ImageNetMean, Preprocessing.ImageNetStd, VggLayout.Resolve);

    /// <summary>GoogLeNet: BVLC's mean; torchvision's weights fold <c>transform_input</c> into mean 0.5, std 0.5.</summary>
    public static ModelFamily GoogLeNet { get; } = new("pool5", [104f, 117f, 123f], [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], GoogLeNetLayout.Resolve);

    /// <summary>The ResNets, the bundled ResNet18 included: Kaiming He's Caffe mean, ImageNet's statistics.</summary>
    public static ModelFamily ResNet { get; } = new("pool5", [103.063f, 115.903f, 123.152f], Preprocessing.ImageNetMean, Preprocessing.ImageNetStd, ResNetLayout.Resolve);

    /// <summary>The preprocessing this family's weights of <paramref name="family"/> expect; each call owns its arrays.</summary>
    public Preprocessing PreprocessingFor(WeightFamily family) => family switch
    {
        WeightFamily.Caffe => Preprocessing.Caffe(meanBgr: [.. CaffeMeanBgr]),
        WeightFamily.Caffe2 => Preprocessing.Caffe2(),
        WeightFamily.Inception or WeightFamily.Unit => Torchvision(family),
        _ => Preprocessing.Torchvision(mean: [.. TorchvisionMean], std: [.. TorchvisionStd]),
    };

    /// <summary>
    /// The torchvision-style modes whose statistics do not depend on the network: Inception's x/127.5 − 1
    /// (mean and std 0.5 after /255), Unit's RGB in 0..1, and ImageNet's for torchvision weights.
    /// </summary>
    internal static Preprocessing Torchvision(WeightFamily family, int resize = 256, int crop = Preprocessing.ImageNetSize) => family switch
    {
        WeightFamily.Inception => Preprocessing.Torchvision(resize, crop, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]),
        WeightFamily.Unit => Preprocessing.Torchvision(resize, crop, [0f, 0f, 0f], [1f, 1f, 1f]),
        _ => Preprocessing.Torchvision(resize, crop),
    };
}
