using Tenni.Imaging;
using Tenni.Data;

namespace Tenni;

/// <summary>
/// Training-time augmentation, off by default. <see cref="RandomResizedCrop"/> follows torchvision's
/// <c>RandomResizedCrop</c> (area share in [0.08, 1], aspect ratio in [3/4, 4/3], ten tries, then a
/// center crop); the crop is then stretched to the model's size. <see cref="HorizontalFlip"/> mirrors
/// half of the images.
/// </summary>
public sealed record Augmentation
{
    public bool HorizontalFlip { get; init; }

    public bool RandomResizedCrop { get; init; }

    public double MinScale { get; init; } = 0.08;

    public double MaxScale { get; init; } = 1.0;

    public bool IsEnabled => HorizontalFlip || RandomResizedCrop;

    /// <summary>Resizes an image to the network's input as the preprocessing or the random crop says, then flips it.</summary>
    public RgbImage Apply(RgbImage image, Preprocessing preprocessing, Random rng)
    {
        RgbImage fitted = RandomResizedCrop
            ? ImageResizer.Resize(Crop(image, rng), preprocessing.Size, preprocessing.Size, preprocessing.Filter)
            : preprocessing.Fit(image);
        return HorizontalFlip && rng.NextDouble() < 0.5 ? ImageCrop.FlipHorizontal(fitted) : fitted;
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
