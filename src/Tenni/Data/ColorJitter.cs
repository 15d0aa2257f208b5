using Tenni.Imaging;

namespace Tenni.Data;

/// <summary>
/// torchvision's <c>ColorJitter</c> without hue: each strength x &gt; 0 draws a factor uniform in
/// [max(0, 1 − x), 1 + x], and the adjustments run in a random order, drawn per image as torchvision does.
/// </summary>
internal static class ColorJitter
{
    public static RgbImage Apply(RgbImage image, double brightness, double contrast, double saturation, Random rng)
    {
        var steps = new List<Func<RgbImage, RgbImage>>(3);
        if (brightness > 0)
        {
            double factor = Factor(brightness, rng);
            steps.Add(i => ColorAdjust.Brightness(i, factor));
        }

        if (contrast > 0)
        {
            double factor = Factor(contrast, rng);
            steps.Add(i => ColorAdjust.Contrast(i, factor));
        }

        if (saturation > 0)
        {
            double factor = Factor(saturation, rng);
            steps.Add(i => ColorAdjust.Saturation(i, factor));
        }

        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(steps));
        return steps.Aggregate(image, (current, step) => step(current));
    }

    private static double Factor(double strength, Random rng)
    {
        double low = Math.Max(0, 1 - strength);
        return low + (rng.NextDouble() * (1 + strength - low));
    }
}
