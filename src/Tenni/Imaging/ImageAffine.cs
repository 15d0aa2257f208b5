namespace Tenni.Imaging;

/// <summary>
/// Rotations, shears and translations of <see cref="RgbImage"/>s about the image centre, sampled
/// bilinearly; pixels that come from outside the image are black, as torchvision fills by default.
/// Angles in degrees, positive counter-clockwise as on screen (torchvision's <c>rotate</c>).
/// </summary>
internal static class ImageAffine
{
    public static RgbImage Rotate(RgbImage image, double degrees)
    {
        double radians = degrees * Math.PI / 180;
        double cos = Math.Cos(radians);
        double sin = Math.Sin(radians);

        // With y pointing down, turning the picture counter-clockwise by θ sends (x, y) to
        // (x cos θ + y sin θ, −x sin θ + y cos θ); each output pixel samples the inverse of that.
        return Warp(image, cos, -sin, sin, cos, 0, 0);
    }

    /// <summary>Shifts rows sideways in proportion to their distance from the centre row (torchvision's shear factor, not an angle).</summary>
    public static RgbImage ShearX(RgbImage image, double factor) => Warp(image, 1, factor, 0, 1, 0, 0);

    public static RgbImage ShearY(RgbImage image, double factor) => Warp(image, 1, 0, factor, 1, 0, 0);

    /// <summary>Moves the picture right by <paramref name="dx"/> and down by <paramref name="dy"/> pixels.</summary>
    public static RgbImage Translate(RgbImage image, double dx, double dy) => Warp(image, 1, 0, 0, 1, -dx, -dy);

    /// <summary>
    /// Output pixel p (relative to the centre) samples the input at [[a, b], [c, d]]·p + (e, f), also
    /// relative to the centre.
    /// </summary>
    private static RgbImage Warp(RgbImage image, double a, double b, double c, double d, double e, double f)
    {
        int w = image.Width;
        int h = image.Height;
        double cx = (w - 1) / 2.0;
        double cy = (h - 1) / 2.0;
        byte[] dst = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double sx = (a * (x - cx)) + (b * (y - cy)) + e + cx;
                double sy = (c * (x - cx)) + (d * (y - cy)) + f + cy;
                Sample(image, Snap(sx), Snap(sy), dst.AsSpan(((y * w) + x) * 3, 3));
            }
        }

        return new RgbImage(w, h, dst);
    }

    // cos 90° is 6e-17, not 0: without snapping, a quarter turn would blend edge pixels with the black outside.
    private static double Snap(double v) => Math.Abs(v - Math.Round(v)) < 1e-9 ? Math.Round(v) : v;

    private static void Sample(RgbImage image, double sx, double sy, Span<byte> rgb)
    {
        int x0 = (int)Math.Floor(sx);
        int y0 = (int)Math.Floor(sy);
        double tx = sx - x0;
        double ty = sy - y0;
        for (int channel = 0; channel < 3; channel++)
        {
            double top = ((1 - tx) * Pixel(image, x0, y0, channel)) + (tx * Pixel(image, x0 + 1, y0, channel));
            double bottom = ((1 - tx) * Pixel(image, x0, y0 + 1, channel)) + (tx * Pixel(image, x0 + 1, y0 + 1, channel));
            rgb[channel] = (byte)Math.Clamp(Math.Round(((1 - ty) * top) + (ty * bottom)), 0, 255);
        }
    }

    private static byte Pixel(RgbImage image, int x, int y, int channel) =>
        x < 0 || y < 0 || x >= image.Width || y >= image.Height ? (byte)0 : image.Pixels[(((y * image.Width) + x) * 3) + channel];
}
