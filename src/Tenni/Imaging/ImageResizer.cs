namespace Tenni.Imaging;

/// <summary>The interpolation filter of <see cref="ImageResizer"/>.</summary>
public enum ResizeFilter
{
    /// <summary>Cubic convolution with a = -0.5 (Catmull-Rom), support 2: Pillow's BICUBIC.</summary>
    Bicubic,

    /// <summary>Triangle filter, support 1: Pillow's BILINEAR, torchvision's default for Resize.</summary>
    Bilinear,
}

/// <summary>
/// Separable antialiased resize with Pillow's convolution scheme (the filter's support grows with the
/// downscale factor; each pass rounds to 8 bits), so results follow <c>PIL.Image.resize</c>, which
/// Chainer's <c>vgg.prepare</c> and torchvision's PIL path call. Checked against ImageMagick's resize
/// with the same filters (tests/Tenni.Tests/TestData/resize).
/// </summary>
internal static class ImageResizer
{
    public static RgbImage Resize(RgbImage image, int width, int height, ResizeFilter filter = ResizeFilter.Bicubic)
    {
        if (image.Width == width && image.Height == height)
        {
            return image;
        }

        byte[] horizontal = image.Width == width ? image.Pixels : ResizeRows(image.Pixels, image.Width, image.Height, width, filter);
        byte[] both = image.Height == height ? horizontal : ResizeColumns(horizontal, width, image.Height, height, filter);
        return new RgbImage(width, height, both);
    }

    // The three channels of a pixel share one pass over the taps (each channel's sum in the same order
    // as one channel at a time: the same bits, a third of the loop overhead).
    private static byte[] ResizeRows(byte[] src, int inWidth, int rows, int outWidth, ResizeFilter filter)
    {
        var (starts, weights) = Coefficients(inWidth, outWidth, filter);
        byte[] dst = new byte[outWidth * rows * 3];
        for (int y = 0; y < rows; y++)
        {
            ReadOnlySpan<byte> row = src.AsSpan(y * inWidth * 3, inWidth * 3);
            Span<byte> output = dst.AsSpan(y * outWidth * 3, outWidth * 3);
            for (int x = 0; x < outWidth; x++)
            {
                float[] w = weights[x];
                ReadOnlySpan<byte> taps = row.Slice(starts[x] * 3, w.Length * 3);
                float r = 0, g = 0, b = 0;
                for (int k = 0; k < w.Length; k++)
                {
                    r += w[k] * taps[k * 3];
                    g += w[k] * taps[(k * 3) + 1];
                    b += w[k] * taps[(k * 3) + 2];
                }

                output[x * 3] = ToByte(r);
                output[(x * 3) + 1] = ToByte(g);
                output[(x * 3) + 2] = ToByte(b);
            }
        }

        return dst;
    }

    // Row by row: each output row is a weighted sum of whole input rows, added tap after tap in the same
    // order as one value at a time (the same bits), so it runs as vector arithmetic over the row.
    private static byte[] ResizeColumns(byte[] src, int width, int inHeight, int outHeight, ResizeFilter filter)
    {
        var (starts, weights) = Coefficients(inHeight, outHeight, filter);
        int stride = width * 3;
        float[] values = new float[src.Length];
        for (int i = 0; i < src.Length; i++)
        {
            values[i] = src[i];
        }

        byte[] dst = new byte[stride * outHeight];
        float[] sums = new float[stride];
        for (int y = 0; y < outHeight; y++)
        {
            float[] w = weights[y];
            Array.Clear(sums);
            for (int k = 0; k < w.Length; k++)
            {
                AddScaled(sums, values.AsSpan((starts[y] + k) * stride, stride), w[k]);
            }

            Span<byte> output = dst.AsSpan(y * stride, stride);
            for (int i = 0; i < stride; i++)
            {
                output[i] = ToByte(sums[i]);
            }
        }

        return dst;
    }

    // sums[i] += weight * row[i], a multiply then an add (never fused), as the scalar loop rounds.
    private static void AddScaled(Span<float> sums, ReadOnlySpan<float> row, float weight)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var w = new System.Numerics.Vector<float>(weight);
            int width = System.Numerics.Vector<float>.Count;
            for (; i <= row.Length - width; i += width)
            {
                var product = w * new System.Numerics.Vector<float>(row[i..]);
                (new System.Numerics.Vector<float>(sums[i..]) + product).CopyTo(sums[i..]);
            }
        }

        for (; i < row.Length; i++)
        {
            sums[i] += weight * row[i];
        }
    }

    // Pillow's precompute_coeffs: window centred on (i + 0.5) * scale, support scaled by max(scale, 1).
    private static (int[] Starts, float[][] Weights) Coefficients(int inSize, int outSize, ResizeFilter filter)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        Func<double, double> kernel = filter == ResizeFilter.Bicubic ? Bicubic : Triangle;
        double support = (filter == ResizeFilter.Bicubic ? 2.0 : 1.0) * filterScale;
        var starts = new int[outSize];
        var weights = new float[outSize][];
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int count = Math.Min((int)(center + support + 0.5), inSize) - min;
            var w = new double[count];
            double total = 0;
            for (int k = 0; k < count; k++)
            {
                w[k] = kernel((k + min - center + 0.5) / filterScale);
                total += w[k];
            }

            starts[i] = min;
            weights[i] = w.Select(v => (float)(total == 0 ? 0 : v / total)).ToArray();
        }

        return (starts, weights);
    }

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        return x < 1 ? (((a + 2) * x) - (a + 3)) * x * x + 1
            : x < 2 ? ((((x - 5) * x) + 8) * x - 4) * a
            : 0;
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1 ? 1 - x : 0;
    }

    private static byte ToByte(float v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(int)(v + 0.5f);
}
