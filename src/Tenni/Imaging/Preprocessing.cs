using static TorchSharp.torch;

namespace Tenni.Imaging;

/// <summary>
/// How a model wants its input: resize, channel order, scale, mean (per channel or a whole mean image)
/// and optional standard deviation. It travels with the model's registry entry and is never re-typed.
/// </summary>
public sealed record Preprocessing
{
    /// <summary>Network input width and height.</summary>
    public required int Size { get; init; }

    /// <summary>True: channels are fed B, G, R (Caffe and CNTK models).</summary>
    public required bool Bgr { get; init; }

    /// <summary>Multiplies 0..255 pixel values before the mean is subtracted (1, or 1/255 for torchvision).</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Per-channel mean, in the model's channel order; ignored when <see cref="MeanImage"/> is set.</summary>
    public float[] Mean { get; init; } = [0f, 0f, 0f];

    /// <summary>Per-channel standard deviation in the model's channel order, or null.</summary>
    public float[]? Std { get; init; }

    /// <summary>A mean image [3, Size, Size] in the model's channel order (the bundled ResNet18's), or null.</summary>
    public float[]? MeanImage { get; init; }

    /// <summary>A short name for listings: "caffe", "mean-image", "torch".</summary>
    public required string Kind { get; init; }

    /// <summary>Chainer's <c>vgg.prepare</c> / Keras "caffe": resize to size×size (no crop), RGB→BGR, minus [103.939, 116.779, 123.68].</summary>
    public static Preprocessing Caffe(int size = 224) =>
        new() { Kind = "caffe", Size = size, Bgr = true, Mean = [103.939f, 116.779f, 123.68f] };

    /// <summary>RGB→BGR, then minus a per-pixel mean image; the image is resized to size×size without crop.</summary>
    public static Preprocessing MeanImageBgr(float[] meanImage, int size) =>
        new() { Kind = "mean-image", Size = size, Bgr = true, MeanImage = meanImage };

    /// <summary>Turns a decoded image into the model's float32 [3, Size, Size] input.</summary>
    public Tensor ToTensor(RgbImage image)
    {
        RgbImage resized = ImageResizer.Resize(image, Size, Size);
        int plane = Size * Size;
        float[] chw = new float[3 * plane];
        byte[] px = resized.Pixels;
        for (int c = 0; c < 3; c++)
        {
            int source = Bgr ? 2 - c : c;
            float std = Std?[c] ?? 1f;
            float mean = Mean[c];
            int offset = c * plane;
            for (int i = 0; i < plane; i++)
            {
                float m = MeanImage is null ? mean : MeanImage[offset + i];
                chw[offset + i] = ((px[(i * 3) + source] * Scale) - m) / std;
            }
        }

        return tensor(chw, [3L, Size, Size]);
    }

    /// <summary>Stacks several images into one [N, 3, Size, Size] batch.</summary>
    public Tensor ToBatch(IReadOnlyList<RgbImage> images)
    {
        using var scope = NewDisposeScope();
        return stack(images.Select(ToTensor).ToArray()).MoveToOuterDisposeScope();
    }
}
