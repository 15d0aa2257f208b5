using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace Tenni.Imaging;

/// <summary>
/// How a model wants its input: resize (and crop), channel order, scale, mean (per channel or a whole
/// mean image) and optional standard deviation. It travels with the model's registry entry and is never
/// re-typed. Three named modes cover the weight families: <see cref="Caffe"/> (Chainer's
/// <c>vgg.prepare</c>, Keras "caffe"), <see cref="MeanImageBgr"/> (the bundled ResNet18) and
/// <see cref="Torchvision"/> (Keras "torch").
/// </summary>
public sealed record Preprocessing
{
    /// <summary>The ImageNet networks' input width and height.</summary>
    internal const int ImageNetSize = 224;

    /// <summary>torchvision's ImageNet transform resizes the shorter side to this before its center crop.</summary>
    internal const int TorchvisionResize = 256;

    /// <summary>Network input width and height.</summary>
    public required int Size { get; init; }

    /// <summary>Resize the shorter side to this, then center-crop <see cref="Size"/>; null: stretch to Size×Size without crop.</summary>
    public int? ResizeShorterSide { get; init; }

    public ResizeFilter Filter { get; init; } = ResizeFilter.Bicubic;

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

    /// <summary>A short name for listings: "caffe", "mean-image", "torch", "caffe2".</summary>
    public required string Kind { get; init; }

    /// <summary>Values per image: 3 × Size × Size.</summary>
    public int Length => 3 * Size * Size;

    /// <summary>VGG's ImageNet mean (B, G, R): the "caffe" mode's default, as in Chainer's <c>vgg.prepare</c> and Keras.</summary>
    internal static float[] VggMeanBgr => [103.939f, 116.779f, 123.68f];

    /// <summary>ImageNet's per-channel mean (R, G, B, of pixels /255): the "torch" mode's default.</summary>
    internal static float[] ImageNetMean => [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet's per-channel standard deviation (R, G, B, of pixels /255): the "torch" mode's default.</summary>
    internal static float[] ImageNetStd => [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// Chainer's <c>prepare</c> / Keras "caffe": resize to size×size (no crop, bicubic), RGB→BGR, minus a
    /// per-channel mean (B, G, R): VGG's [103.939, 116.779, 123.68] unless given (Chainer's ResNet uses
    /// [103.063, 115.903, 123.152], its GoogLeNet [104, 117, 123]).
    /// </summary>
    public static Preprocessing Caffe(int size = ImageNetSize, float[]? meanBgr = null) =>
        new() { Kind = "caffe", Size = size, Bgr = true, Mean = meanBgr ?? VggMeanBgr };

    /// <summary>RGB→BGR, then minus a per-pixel mean image; the image is resized to size×size (bicubic) without crop.</summary>
    public static Preprocessing MeanImageBgr(float[] meanImage, int size) =>
        new() { Kind = "mean-image", Size = size, Bgr = true, MeanImage = meanImage };

    /// <summary>
    /// torchvision's ImageNet transform: shorter side to 256 (bilinear), center crop 224, /255, normalize
    /// with ImageNet mean and std unless given (torchvision's GoogLeNet folds its <c>transform_input</c> into mean 0.5, std 0.5).
    /// </summary>
    public static Preprocessing Torchvision(int resize = TorchvisionResize, int crop = ImageNetSize, float[]? mean = null, float[]? std = null) => new()
    {
        Kind = "torch",
        Size = crop,
        ResizeShorterSide = resize,
        Filter = ResizeFilter.Bilinear,
        Bgr = false,
        Scale = 1f / 255f,
        Mean = mean ?? ImageNetMean,
        Std = std ?? ImageNetStd,
    };

    /// <summary>Caffe2's ImageNet models: torchvision's transform with the channels in BGR order (ImageNet's mean and std given B, G, R).</summary>
    internal static Preprocessing Caffe2() =>
        Torchvision(mean: Reversed(ImageNetMean), std: Reversed(ImageNetStd)) with { Kind = "caffe2", Bgr = true };

    /// <summary>
    /// SHA-256 (hex) over every field: equal for equal preprocessing, different as soon as one field differs.
    /// Caches of what a model computes from preprocessed images key on it; a new field must be written
    /// here (PreprocessingTests changes each property in turn and fails when the fingerprint does not).
    /// </summary>
    public string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Field(string name, string value) => hash.AppendData(Encoding.UTF8.GetBytes($"{name}:{value.Length}:{value}\n"));
        static string Floats(float[]? values) =>
            values is null ? "none" : string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

        Field(nameof(Kind), Kind);
        Field(nameof(Size), Size.ToString(CultureInfo.InvariantCulture));
        Field(nameof(ResizeShorterSide), ResizeShorterSide?.ToString(CultureInfo.InvariantCulture) ?? "none");
        Field(nameof(Filter), Filter.ToString());
        Field(nameof(Bgr), Bgr ? "true" : "false");
        Field(nameof(Scale), Scale.ToString("R", CultureInfo.InvariantCulture));
        Field(nameof(Mean), Floats(Mean));
        Field(nameof(Std), Floats(Std));

        // 150,528 values for a 224×224 mean image: their bytes' hash stands for them.
        Field(nameof(MeanImage), MeanImage is null ? "none" : Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(MeanImage.AsSpan()))));
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>Resizes (and crops) a decoded image to the network's Size×Size, as this mode prescribes.</summary>
    public RgbImage Fit(RgbImage image)
    {
        if (ResizeShorterSide is not int shorter)
        {
            return ImageResizer.Resize(image, Size, Size, Filter);
        }

        // torchvision Resize(int): the shorter side becomes `shorter`, the other keeps the aspect ratio (truncated).
        var (w, h) = image.Width <= image.Height
            ? (shorter, (int)((long)shorter * image.Height / image.Width))
            : ((int)((long)shorter * image.Width / image.Height), shorter);
        return ImageCrop.Center(ImageResizer.Resize(image, w, h, Filter), Size, Size);
    }

    /// <summary>Writes the model's [3, Size, Size] input for an image already at Size×Size into <paramref name="destination"/>.</summary>
    public void Normalize(RgbImage fitted, Span<float> destination)
    {
        if (fitted.Width != Size || fitted.Height != Size || destination.Length != Length)
        {
            throw new ArgumentException($"expected a {Size}×{Size} image and {Length} values");
        }

        int plane = Size * Size;
        byte[] px = fitted.Pixels;
        for (int c = 0; c < 3; c++)
        {
            int source = Bgr ? 2 - c : c;
            float inverseStd = 1f / (Std?[c] ?? 1f);
            float mean = Mean[c];
            int offset = c * plane;
            for (int i = 0; i < plane; i++)
            {
                float m = MeanImage is null ? mean : MeanImage[offset + i];
                destination[offset + i] = ((px[(i * 3) + source] * Scale) - m) * inverseStd;
            }
        }
    }

    /// <summary>Turns a decoded image into the model's float32 [3, Size, Size] input.</summary>
    public Tensor ToTensor(RgbImage image)
    {
        float[] chw = new float[Length];
        Normalize(Fit(image), chw);
        return IO.AlignedTensor.From(chw, 3L, Size, Size);
    }

    /// <summary>Stacks several images into one [N, 3, Size, Size] batch, preprocessing them in parallel.</summary>
    public Tensor ToBatch(IReadOnlyList<RgbImage> images)
    {
        float[] values = new float[images.Count * Length];
        Parallel.For(0, images.Count, i => Normalize(Fit(images[i]), values.AsSpan(i * Length, Length)));
        return IO.AlignedTensor.From(values, images.Count, 3L, Size, Size);
    }

    // In place: every caller passes a fresh copy.
    private static float[] Reversed(float[] values)
    {
        Array.Reverse(values);
        return values;
    }
}
