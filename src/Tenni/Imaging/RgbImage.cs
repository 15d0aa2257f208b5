namespace Tenni.Imaging;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B.</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0 || pixels.Length != width * height * 3)
        {
            throw new ArgumentException($"expected {width}×{height}×3 bytes, got {pixels.Length}", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    /// <summary>
    /// Writes the pixels as planar R, G, B floats with values 0..255 ([3, H, W], C order) into
    /// <paramref name="destination"/>: the input an exported model with preprocessing takes.
    /// </summary>
    public void CopyPlanarTo(Span<float> destination)
    {
        int plane = Width * Height;
        if (destination.Length != 3 * plane)
        {
            throw new ArgumentException($"expected {3 * plane} values, got {destination.Length}", nameof(destination));
        }

        for (int i = 0; i < plane; i++)
        {
            destination[i] = Pixels[i * 3];
            destination[plane + i] = Pixels[(i * 3) + 1];
            destination[(2 * plane) + i] = Pixels[(i * 3) + 2];
        }
    }

    /// <summary>Several same-size images as one planar [N, 3, H, W] buffer of 0..255 floats.</summary>
    public static float[] Planar(IReadOnlyList<RgbImage> images)
    {
        int length = images.Count == 0 ? 0 : 3 * images[0].Width * images[0].Height;
        float[] values = new float[images.Count * length];
        for (int n = 0; n < images.Count; n++)
        {
            images[n].CopyPlanarTo(values.AsSpan(n * length, length));
        }

        return values;
    }
}
