using SkiaSharp;
using Tenni.Imaging;
using Tenni.Tests.Support;

namespace Tenni.Tests.Hardening;

public sealed class DecodeMemoryTests
{
    [Fact]
    public void Inspect_1000x800Png_ChecksTheWholeImageWithoutAManagedPixelCopy()
    {
        // Given a 1000×800 PNG (2.4 MB as RGB)
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-inspect").FullName, "a.png");
        TempDataset.WriteImage(path, 5, 1000, 800);

        // When a folder scan inspects it
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (facts, problem) = ImageReader.Inspect(path, ImageReader.DefaultMaxPixels, ImageReader.DefaultMaxFileBytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Then it has its size, format and hash, and allocated little more than the file (the pixels live in native memory, freed at once)
        Assert.Null(problem);
        Assert.Equal((1000, 800, "PNG"), (facts!.Width, facts.Height, facts.Format));
        Assert.Equal(ImageReader.Read(path).Image!.ContentHash, facts.ContentHash);
        Assert.InRange(allocated, 0, new FileInfo(path).Length + (64 * 1024));
    }

    [Fact]
    public void Inspect_ExifQuarterTurn_ReportsTheSizeAsShown()
    {
        using var bitmap = new SKBitmap(32, 16);
        bitmap.Erase(SKColors.Red);
        byte[] jpeg = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
        byte[] exif = [0xFF, 0xE1, 0, 34, .. "Exif\0\0"u8, .. "II*\0"u8, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-inspect-exif").FullName, "r.jpg");
        File.WriteAllBytes(path, [.. jpeg[..2], .. exif, .. jpeg[2..]]);

        var (facts, _) = ImageReader.Inspect(path, ImageReader.DefaultMaxPixels, ImageReader.DefaultMaxFileBytes);

        Assert.Equal((16, 32), (facts!.Width, facts.Height));
    }
}
