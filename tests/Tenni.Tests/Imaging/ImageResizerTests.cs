using Tenni.Imaging;
using Xunit.Abstractions;

namespace Tenni.Tests.Imaging;

public sealed class ImageResizerTests(ITestOutputHelper output)
{
    // Tolerance against ImageMagick's 16-bit result (TestData/resize/make-reference.sh): Tenni rounds
    // to 8 bits after each pass, as Pillow does (up to 0.5 + 0.5 levels), and the two implementations
    // clip the filter window at the image border slightly differently (a few levels on edge pixels).
    // The mean must stay within rounding noise; a wrong filter or a missing antialias moves it by levels.
    private const double MaxLevels = 6;
    private const double MeanLevels = 0.35;

    public static TheoryData<string, string, int, int> References()
    {
        var data = new TheoryData<string, string, int, int>();
        foreach (string name in new[] { "cat-4210", "dog-4006", "cat-4362-small" })
        {
            foreach (string filter in new[] { "bicubic", "bilinear" })
            {
                data.Add(name, filter, 224, 224);
                data.Add(name, filter, 256, 200);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(References))]
    public void Resize_RealPhoto_MatchesImageMagickWithinTolerance(string name, string filter, int width, int height)
    {
        var source = ImageDecoder.Decode(Reference($"source-{name}.png"));
        float[] expected = ReadLevels(Reference($"{name}-{filter}-{width}x{height}.ppm"));

        var actual = ImageResizer.Resize(source, width, height, filter == "bicubic" ? ResizeFilter.Bicubic : ResizeFilter.Bilinear);

        Assert.Equal((width, height), (actual.Width, actual.Height));
        double[] diffs = expected.Zip(actual.Pixels, (a, b) => Math.Abs(a - b)).Select(d => (double)d).ToArray();
        double signed = expected.Zip(actual.Pixels, (a, b) => (double)b - a).Average();
        output.WriteLine($"{name} {filter} {source.Width}×{source.Height}→{width}×{height}: max {diffs.Max()}, mean {diffs.Average():F3} levels, signed mean {signed:F3}");
        Assert.InRange(diffs.Max(), 0, MaxLevels);
        Assert.InRange(diffs.Average(), 0, MeanLevels);
    }

    [Fact]
    public void Resize_WrongFilter_IsCaughtByTheTolerance()
    {
        // The tolerance must tell filters apart, or the test above proves nothing.
        var source = ImageDecoder.Decode(Reference("source-cat-4210.png"));
        float[] expected = ReadLevels(Reference("cat-4210-bicubic-224x224.ppm"));
        var blurred = ImageResizer.Resize(ImageResizer.Resize(source, 112, 112), 224, 224, ResizeFilter.Bilinear);

        double mean = expected.Zip(blurred.Pixels, (a, b) => Math.Abs(a - b)).Average();

        Assert.True(mean > MeanLevels * 4, $"a blurred resize is only {mean:F2} levels away");
    }

    [Theory]
    [InlineData(ResizeFilter.Bicubic, 75, 500, 224)]
    [InlineData(ResizeFilter.Bilinear, 64, 97, 300)]
    [InlineData(ResizeFilter.Bicubic, 33, 41, 7)]
    public void Resize_HorizontalPass_SameBitsAsTheVerticalPassOnTheTransposedImage(ResizeFilter filter, int height, int width, int newWidth)
    {
        // The two passes are separate vector code (bands of columns, whole rows) for one arithmetic: the
        // same coefficients, summed tap after tap, rounded to 8 bits. Resizing only the width of an image
        // must give, bit for bit, the transpose of resizing only the height of its transpose. Heights not a
        // multiple of the horizontal pass's band of 32 rows check its last, partial band.
        var random = new Random(height * width);
        var pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        var image = new RgbImage(width, height, pixels);

        var horizontal = ImageResizer.Resize(image, newWidth, height, filter);
        var vertical = Transpose(ImageResizer.Resize(Transpose(image), height, newWidth, filter));

        Assert.Equal(vertical.Pixels, horizontal.Pixels);
    }

    private static RgbImage Transpose(RgbImage image)
    {
        var pixels = new byte[image.Pixels.Length];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    pixels[(((x * image.Height) + y) * 3) + c] = image.Pixels[(((y * image.Width) + x) * 3) + c];
                }
            }
        }

        return new RgbImage(image.Height, image.Width, pixels);
    }

    /// <summary>A binary 16-bit PPM (P6, maxval 65535) as float levels on the 0..255 scale, R, G, B interleaved.</summary>
    private static float[] ReadLevels(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int offset = 0;
        string[] header = new string[4];
        for (int field = 0; field < 4; field++)
        {
            int start = offset;
            while (!char.IsWhiteSpace((char)bytes[offset]))
            {
                offset++;
            }

            header[field] = System.Text.Encoding.ASCII.GetString(bytes, start, offset - start);
            offset++;
        }

        Assert.Equal(["P6", "65535"], new[] { header[0], header[3] });
        int count = int.Parse(header[1]) * int.Parse(header[2]) * 3;
        return Enumerable.Range(0, count).Select(i => ((bytes[offset + (2 * i)] << 8) | bytes[offset + (2 * i) + 1]) / 257f).ToArray();
    }

    private static string Reference(string file) => Path.Combine(AppContext.BaseDirectory, "TestData", "resize", file);
}
