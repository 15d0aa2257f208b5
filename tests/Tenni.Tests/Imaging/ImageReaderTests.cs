using SkiaSharp;
using Tenni.Imaging;
using Tenni.Tests.Support;
using Xunit.Abstractions;

namespace Tenni.Tests.Imaging;

public sealed class ImageReaderTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Cat/666.jpg", ImageProblemKind.Empty)]
    [InlineData("Cat/Thumbs.db", ImageProblemKind.SystemFile)]
    [InlineData("Dog/Thumbs.db", ImageProblemKind.SystemFile)]
    [InlineData("Dog/2877.jpg", ImageProblemKind.NotAnImage)]
    [InlineData("Dog/11702.jpg", ImageProblemKind.Truncated)]
    public void Read_PetImagesDefect_SkippedWithTheRightReason(string file, ImageProblemKind expected)
    {
        var (image, problem) = ImageReader.Read(Path.Combine(TestData.PetImages, file));

        Assert.Null(image);
        Assert.Equal(expected, problem!.Kind);
        Assert.Contains(file.Split('/')[1], problem.Message);
    }

    [Theory]
    [InlineData("Cat/10125.jpg", "PNG")]
    [InlineData("Cat/10501.jpg", "GIF")]
    [InlineData("Dog/10158.jpg", "BMP")]
    [InlineData("Cat/10404.jpg", "JPEG")] // grayscale
    [InlineData("Dog/10401.jpg", "JPEG")] // CMYK
    [InlineData("Cat/4199.jpg", "JPEG")]
    public void Read_GoodFileWhateverItsName_DecodedWithFormatFromContent(string file, string format)
    {
        var (image, problem) = ImageReader.Read(Path.Combine(TestData.PetImages, file));

        Assert.Null(problem);
        Assert.Equal(format, image!.Format);
        Assert.Equal(64, image.ContentHash.Length);
    }

    [Theory]
    [InlineData("Dog/10401.jpg", "cmyk-dog-10401.png")]
    [InlineData("Cat/10404.jpg", "gray-cat-10404.png")]
    [InlineData("TestData/decode/progressive-cat-4210.jpg", "progressive-cat-4210.png")]
    public void Read_CmykGrayscaleAndProgressiveJpeg_MatchImageMagicksColours(string file, string reference)
    {
        // Tolerance: two JPEG decoders (libjpeg-turbo in Skia, libjpeg in ImageMagick) differ by a
        // level or two in IDCT and upsampling; an inverted-CMYK bug would be off by ~100 levels.
        string path = file.StartsWith("TestData", StringComparison.Ordinal) ? Path.Combine(AppContext.BaseDirectory, file) : Path.Combine(TestData.PetImages, file);
        var actual = ImageDecoder.Decode(path);
        var expected = ImageDecoder.Decode(Path.Combine(AppContext.BaseDirectory, "TestData", "decode", reference));

        double mean = expected.Pixels.Zip(actual.Pixels, (a, b) => Math.Abs(a - b)).Average();
        output.WriteLine($"{file}: mean abs diff {mean:F2} levels vs ImageMagick");

        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        Assert.InRange(mean, 0, 3.0);
    }

    [Fact]
    public void Read_HeaderClaims65000x65000_RefusedBeforeAllocatingPixels()
    {
        // Given a 3 KB JPEG whose frame header is patched to claim 65000×65000 (16 GB as RGBA)
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestData.PetImages, "Cat", "4362.jpg"));
        int sof = Enumerable.Range(0, bytes.Length - 1).First(i => bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC2);
        bytes[sof + 5] = bytes[sof + 7] = 65000 >> 8;
        bytes[sof + 6] = bytes[sof + 8] = 65000 & 0xFF;
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-bomb").FullName, "bomb.jpg");
        File.WriteAllBytes(path, bytes);

        // When it is read
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (image, problem) = ImageReader.Read(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Then it is refused as too large, having allocated little more than the file itself
        output.WriteLine($"file {bytes.Length} bytes; managed allocation while refusing it: {allocated} bytes");
        Assert.Null(image);
        Assert.Equal(ImageProblemKind.TooLarge, problem!.Kind);
        Assert.Contains("65000×65000", problem.Message);
        Assert.InRange(allocated, 0, 64 * 1024);
    }

    [Fact]
    public void Read_ExifOrientation6_RotatesAQuarterTurnClockwise()
    {
        // Given a 32×16 JPEG, left half red and right half blue, tagged "rotate 90° clockwise to view"
        using var bitmap = new SKBitmap(32, 16);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            canvas.DrawRect(0, 0, 16, 16, new SKPaint { Color = SKColors.Red });
        }

        byte[] jpeg = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Jpeg, 100).ToArray();
        byte[] exif = [0xFF, 0xE1, 0, 34, .. "Exif\0\0"u8, .. "II*\0"u8, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-exif").FullName, "rotated.jpg");
        File.WriteAllBytes(path, [.. jpeg[..2], .. exif, .. jpeg[2..]]);

        // When it is read
        var image = ImageDecoder.Decode(path);

        // Then it is 16×32 with the red half on top
        Assert.Equal((16, 32), (image.Width, image.Height));
        Assert.True(Pixel(image, 8, 4).R > 200 && Pixel(image, 8, 4).B < 60, $"top is {Pixel(image, 8, 4)}");
        Assert.True(Pixel(image, 8, 28).B > 200 && Pixel(image, 8, 28).R < 60, $"bottom is {Pixel(image, 8, 28)}");
    }

    [Fact]
    public void Read_PngWithTransparency_DropsAlphaKeepingStoredColours()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(2, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.SetPixel(0, 0, new SKColor(200, 100, 50, 128));
        bitmap.SetPixel(1, 0, new SKColor(10, 20, 30, 255));
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-alpha").FullName, "alpha.png");
        File.WriteAllBytes(path, bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray());

        var image = ImageDecoder.Decode(path);

        // Half-transparent orange stays orange (not darkened towards black, not lightened towards white).
        byte[] expected = [200, 100, 50, 10, 20, 30];
        Assert.All(expected.Zip(image.Pixels), p => Assert.InRange(p.Second, p.First - 2, p.First + 2));
    }

    [Fact]
    public void Read_WebP_Decoded()
    {
        using var bitmap = new SKBitmap(8, 8);
        bitmap.Erase(new SKColor(0, 128, 0));
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-webp").FullName, "image.jpg");
        File.WriteAllBytes(path, SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Webp, 100).ToArray());

        var (image, problem) = ImageReader.Read(path);

        Assert.Null(problem);
        Assert.Equal("WEBP", image!.Format);
        Assert.InRange(image.Image.Pixels[1], 120, 136);
    }

    private static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        int i = ((y * image.Width) + x) * 3;
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }
}
