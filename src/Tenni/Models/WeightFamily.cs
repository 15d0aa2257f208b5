using Tenni.Models;

namespace Tenni;

/// <summary>
/// Where a set of pretrained weights comes from, which fixes the exact architecture variant and the
/// preprocessing the weights expect.
/// </summary>
public enum WeightFamily
{
    /// <summary>
    /// Caffe's original models as Chainer converts them (<c>VGG_ILSVRC_16_layers.npz</c>,
    /// <c>bvlc_googlenet.npz</c>, <c>ResNet-152-model.npz</c>) and other Caffe-derived files: BGR input
    /// minus a per-channel mean, resized to 224×224 without crop (Chainer's <c>prepare</c>).
    /// </summary>
    Caffe,

    /// <summary>torchvision's checkpoints (<c>.pth</c>, <c>.safetensors</c>): RGB/255 normalized with ImageNet mean and std.</summary>
    Torchvision,

    /// <summary>
    /// Models trained in Caffe2 (the ONNX model zoo's <c>resnet50-caffe2-v1-*</c>): BGR input normalized with
    /// ImageNet's mean and std, (p − [103.53, 116.28, 123.675]) / [57.375, 57.12, 58.395], resized and cropped as torchvision does.
    /// </summary>
    Caffe2,

    /// <summary>Inception-style networks (Keras, TensorFlow and timm's Inception weights): RGB scaled to −1..1, x/127.5 − 1.</summary>
    Inception,

    /// <summary>Networks trained on RGB in 0..1 without normalization.</summary>
    Unit,
}
