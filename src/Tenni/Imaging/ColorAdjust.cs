namespace Tenni.Imaging;

/// <summary>
/// torchvision's colour adjustments on 8-bit images: each blends the image with a second picture
/// (black, its mean grey, its greyscale) by a factor, clamps to 0..255 and truncates to a byte, as
/// <c>torchvision.transforms.functional</c> does on uint8 tensors. Factor 1 leaves the image as it is.
/// </summary>
internal static class ColorAdjust
{
    /// <summary>Multiplies every value: 0 is black, 2 twice as bright.</summary>
    public static RgbImage Brightness(RgbImage image, double factor) =>
        Map(image, (_, value) => Blend(value, 0, factor));

    /// <summary>Blends with the mean of the greyscale picture: 0 is a flat grey.</summary>
    public static RgbImage Contrast(RgbImage image, double factor)
    {
        double mean = 0;
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            mean += Grey(image.Pixels, i);
        }

        mean /= image.Width * image.Height;
        return Map(image, (_, value) => Blend(value, mean, factor));
    }

    /// <summary>Blends with the greyscale picture: 0 is grey, 2 twice as colourful.</summary>
    public static RgbImage Saturation(RgbImage image, double factor) =>
        Map(image, (i, value) => Blend(value, Grey(image.Pixels, i - (i % 3)), factor));

    /// <summary>Stretches each channel so that its darkest value is 0 and its brightest 255 (PIL's <c>autocontrast</c>).</summary>
    public static RgbImage AutoContrast(RgbImage image)
    {
        byte[] low = [255, 255, 255];
        byte[] high = [0, 0, 0];
        for (int i = 0; i < image.Pixels.Length; i++)
        {
            low[i % 3] = Math.Min(low[i % 3], image.Pixels[i]);
            high[i % 3] = Math.Max(high[i % 3], image.Pixels[i]);
        }

        // A flat channel has nothing to stretch and stays as it is (torchvision's rule).
        return Map(image, (i, value) => high[i % 3] == low[i % 3]
            ? value
            : (byte)Math.Clamp((value - low[i % 3]) * 255.0 / (high[i % 3] - low[i % 3]), 0, 255));
    }

    /// <summary>ITU-R 601-2 luma, truncated to a byte as torchvision's <c>rgb_to_grayscale</c> does for uint8.</summary>
    private static byte Grey(byte[] rgb, int offset) =>
        (byte)((0.2989 * rgb[offset]) + (0.587 * rgb[offset + 1]) + (0.114 * rgb[offset + 2]));

    private static byte Blend(byte value, double other, double factor) =>
        (byte)Math.Clamp((factor * value) + ((1 - factor) * other), 0, 255);

    private static RgbImage Map(RgbImage image, Func<int, byte, byte> map)
    {
        byte[] dst = new byte[image.Pixels.Length];
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = map(i, image.Pixels[i]);
        }

        return new RgbImage(image.Width, image.Height, dst);
    }
}
