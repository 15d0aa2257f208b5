using Tenni.Data;
using Tenni.Imaging;

namespace Tenni;

/// <summary>
/// Training-time augmentation, off by default; every draw comes from the per-image random stream the
/// loader hands in, so a seed repeats it exactly. In order: <see cref="RandomResizedCrop"/> follows
/// torchvision's <c>RandomResizedCrop</c> (area share in [<see cref="MinScale"/>, <see cref="MaxScale"/>],
/// aspect ratio in [3/4, 4/3], ten tries, then a center crop), stretched to the model's size;
/// <see cref="HorizontalFlip"/> mirrors half of the images; then RandAugment, rotation and colour jitter
/// run on the model-size picture (docs/training.md, "Augmentation").
/// </summary>
public sealed partial record Augmentation
{
    public bool HorizontalFlip { get; init; }

    public bool RandomResizedCrop { get; init; }

    public double MinScale { get; init; } = 0.08;

    public double MaxScale { get; init; } = 1.0;

    /// <summary>Rotates by an angle uniform in [−x, x] degrees, bilinear, corners filled black; 0: off.</summary>
    public double RotationDegrees { get; init; }

    /// <summary>Multiplies the pixels by a factor uniform in [max(0, 1 − x), 1 + x]; 0: off.</summary>
    public double Brightness { get; init; }

    /// <summary>Blends with the mean grey by a factor uniform in [max(0, 1 − x), 1 + x]; 0: off.</summary>
    public double Contrast { get; init; }

    /// <summary>Blends with the greyscale picture by a factor uniform in [max(0, 1 − x), 1 + x]; 0: off.</summary>
    public double Saturation { get; init; }

    /// <summary>RandAugment's N: ops drawn per image (torchvision: 2); 0: off.</summary>
    public int RandAugmentOps { get; init; }

    /// <summary>RandAugment's M: the strength of every op, 0 to 30 (torchvision: 9).</summary>
    public int RandAugmentMagnitude { get; init; } = 9;

    public bool IsEnabled => HorizontalFlip || RandomResizedCrop || RotationDegrees > 0 || Brightness > 0 || Contrast > 0 || Saturation > 0 || RandAugmentOps > 0;

    /// <summary>Resizes an image to the network's input as the preprocessing or the random crop says, then flips, RandAugments, rotates and jitters it.</summary>
    public RgbImage Apply(RgbImage image, Preprocessing preprocessing, Random rng)
    {
        RgbImage fitted = RandomResizedCrop
            ? ImageResizer.Resize(Crop(image, rng), preprocessing.Size, preprocessing.Size, preprocessing.Filter)
            : preprocessing.Fit(image);
        RgbImage result = HorizontalFlip && rng.NextDouble() < 0.5 ? ImageCrop.FlipHorizontal(fitted) : fitted;
        if (RandAugmentOps > 0)
        {
            result = RandAugmentPolicy.Apply(result, RandAugmentOps, RandAugmentMagnitude, rng);
        }

        if (RotationDegrees > 0)
        {
            result = ImageAffine.Rotate(result, RotationDegrees * ((2 * rng.NextDouble()) - 1));
        }

        return ColorJitter.Apply(result, Brightness, Contrast, Saturation, rng);
    }

    private RgbImage Crop(RgbImage image, Random rng)
    {
        double area = (double)image.Width * image.Height;
        double logMin = Math.Log(3.0 / 4.0);
        double logMax = Math.Log(4.0 / 3.0);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (MinScale + (rng.NextDouble() * (MaxScale - MinScale)));
            double ratio = Math.Exp(logMin + (rng.NextDouble() * (logMax - logMin)));
            int w = (int)Math.Round(Math.Sqrt(target * ratio));
            int h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= image.Width && h <= image.Height)
            {
                int left = rng.Next(image.Width - w + 1);
                int top = rng.Next(image.Height - h + 1);
                return ImageCrop.Region(image, left, top, w, h);
            }
        }

        int side = Math.Min(image.Width, image.Height);
        return ImageCrop.Center(image, side, side);
    }
}
