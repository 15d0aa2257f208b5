using Tenni.Imaging;

namespace Tenni.Tests.Hardening;

public sealed class JpegScanTests
{
    [Fact]
    public void Read_JpegWithMoreScansThanTheLimit_CorruptWithoutDecoding()
    {
        // Given a valid small JPEG with 501 empty start-of-scan segments put before its end marker
        byte[] jpeg = SmallImages.All["JPEG"];
        byte[] emptyScan = [0xFF, 0xDA, 0x00, 0x02];
        byte[] bytes = [.. jpeg[..^2], .. Enumerable.Repeat(emptyScan, JpegScans.Limit).SelectMany(b => b), .. jpeg[^2..]];
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-scans").FullName, "scans.jpg");
        File.WriteAllBytes(path, bytes);

        // When it is read
        var (image, problem) = ImageReader.Read(path);

        // Then it is refused by the scan count (the image's own scan makes 501)
        Assert.Null(image);
        Assert.Equal(ImageProblemKind.Corrupt, problem!.Kind);
        Assert.Contains($"more than {JpegScans.Limit} scans", problem.Message);
    }

    [Fact]
    public void Count_RealProgressiveJpeg_AFewScans()
    {
        byte[] progressive = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "decode", "progressive-cat-4210.jpg"));

        Assert.InRange(JpegScans.Count(progressive), 2, 20);
        Assert.Equal(1, JpegScans.Count(SmallImages.All["JPEG"]));
    }
}
