using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// <remarks>
/// Its loops are left to tiered compilation: marked to be compiled fully optimised at first call (as the
/// blocked kernels are), they lose the profile-guided code of tier 1, and the chapter's recipe took 2 more
/// CPU-seconds and 1.1 s more (A/B, docs/benchmarks.md, fifth round).
/// </remarks>
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

    // Bands of rows, each turned so that a column of the band is contiguous (its rows' three channels);
    // every output column is then a weighted sum of whole input columns, added tap after tap in the same
    // order as one value at a time (the same bits), so it runs as vector arithmetic over the band.
    private const int Band = 32;

    private static unsafe byte[] ResizeRows(byte[] src, int inWidth, int rows, int outWidth, ResizeFilter filter)
    {
        var (starts, weights) = Coefficients(inWidth, outWidth, filter);
        byte[] dst = new byte[outWidth * rows * 3];
        fixed (byte* source = src, target = dst)
        fixed (float* columns = Scratch.Columns(inWidth * Band * 3), sums = Scratch.Sums(Band * 3))
        {
            for (int top = 0; top < rows; top += Band)
            {
                int band = Math.Min(Band, rows - top), length = band * 3;
                for (int y = 0; y < band; y++)
                {
                    byte* row = source + ((top + y) * inWidth * 3);
                    float* column = columns + (y * 3);
                    for (int x = 0; x < inWidth; x++, row += 3, column += length)
                    {
                        column[0] = row[0];
                        column[1] = row[1];
                        column[2] = row[2];
                    }
                }

                for (int x = 0; x < outWidth; x++)
                {
                    float[] w = weights[x];
                    new Span<float>(sums, length).Clear();
                    for (int k = 0; k < w.Length; k++)
                    {
                        AddScaled(sums, columns + ((starts[x] + k) * length), w[k], length);
                    }

                    byte* to = target + ((((top * outWidth) + x) * 3));
                    for (int y = 0; y < band; y++, to += outWidth * 3)
                    {
                        to[0] = ToByte(sums[y * 3]);
                        to[1] = ToByte(sums[(y * 3) + 1]);
                        to[2] = ToByte(sums[(y * 3) + 2]);
                    }
                }
            }
        }

        return dst;
    }

    // Row by row: each output row is a weighted sum of whole input rows, added tap after tap in the same
    // order as one value at a time (the same bits), so it runs as vector arithmetic over the row.
    private static unsafe byte[] ResizeColumns(byte[] src, int width, int inHeight, int outHeight, ResizeFilter filter)
    {
        var (starts, weights) = Coefficients(inHeight, outHeight, filter);
        int stride = width * 3;
        byte[] dst = new byte[stride * outHeight];
        fixed (byte* source = src, target = dst)
        fixed (float* values = Scratch.Columns(src.Length), sums = Scratch.Sums(stride))
        {
            ToFloats(source, values, src.Length);
            for (int y = 0; y < outHeight; y++)
            {
                float[] w = weights[y];
                new Span<float>(sums, stride).Clear();
                for (int k = 0; k < w.Length; k++)
                {
                    AddScaled(sums, values + ((starts[y] + k) * stride), w[k], stride);
                }

                ToBytes(sums, target + (y * stride), stride);
            }
        }

        return dst;
    }

    // sums[i] += weight * row[i], a multiply then an add (never fused), as the scalar loop rounds.
    private static unsafe void AddScaled(float* sums, float* row, float weight, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var w = Vector512.Create(weight);
            for (; i <= count - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                (Vector512.Load(sums + i) + (w * Vector512.Load(row + i))).Store(sums + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var w = Vector256.Create(weight);
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.Load(sums + i) + (w * Vector256.Load(row + i))).Store(sums + i);
            }
        }

        for (; i < count; i++)
        {
            sums[i] += weight * row[i];
        }
    }

    // Bytes to floats, 16 at a time where the CPU has AVX-512.
    private static unsafe void ToFloats(byte* source, float* target, int count)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i <= count - 16; i += 16)
            {
                Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(source + i))).Store(target + i);
            }
        }

        for (; i < count; i++)
        {
            target[i] = source[i];
        }
    }

    // ToByte on each value, 16 at a time where the CPU has AVX-512: clamped to [0, 255] first, so that
    // adding ½ and truncating gives ToByte's result everywhere.
    private static unsafe void ToBytes(float* source, byte* target, int count)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var half = Vector512.Create(0.5f);
            var top = Vector512.Create(255f);
            for (; i <= count - 16; i += 16)
            {
                var clamped = Vector512.Min(Vector512.Max(Vector512.Load(source + i), Vector512<float>.Zero), top);
                Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32WithTruncation(clamped + half)).Store(target + i);
            }
        }

        for (; i < count; i++)
        {
            target[i] = ToByte(source[i]);
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

    /// <summary>
    /// Each thread's working memory, reused from one image to the next: fresh memory is slow to first touch
    /// (≈ 5 ms per MB on the project's machine), and a photo's float copy is megabytes. Kept up to the
    /// largest photo a thread has resized below <see cref="KeepLimit"/> floats (16 MB).
    /// </summary>
    private static class Scratch
    {
        private const int KeepLimit = 1 << 22;

        [ThreadStatic]
        private static float[]? _columns;

        [ThreadStatic]
        private static float[]? _sums;

        public static Span<float> Columns(int length) => Get(ref _columns, length);

        public static Span<float> Sums(int length) => Get(ref _sums, length);

        private static Span<float> Get(ref float[]? kept, int length)
        {
            if (kept is { } buffer && buffer.Length >= length)
            {
                return buffer.AsSpan(0, length);
            }

            var fresh = new float[length];
            if (length <= KeepLimit)
            {
                kept = fresh;
            }

            return fresh;
        }
    }

    private static byte ToByte(float v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(int)(v + 0.5f);
}
