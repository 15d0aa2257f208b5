using Tenni.Tests.Cli;
using Tenni.Tests.Support;

namespace Tenni.Tests.Hardening;

/// <summary>The commands that read image files, on a folder holding a FIFO named x.jpg (which hung all four before).</summary>
public sealed class SpecialFilesCliTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void Verify_FolderWithFifoDeviceLinkAndLoop_ExitsZeroListingEach()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        var (root, fifo) = OddDataset();

        var (code, output, error) = SpecialFiles.Within(Limit, () => CliRunner.Run("verify", root), fifo);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("2 classes, 4 images, 3 files skipped", output);
        Assert.Contains("skipped (NotARegularFile): '" + fifo + "' is a FIFO (named pipe), not a regular file; not opened", output);
        Assert.Contains("skipped (NotARegularFile): '" + Path.Combine(root, "Cat", "zero.jpg") + "' is a character device", output);
        Assert.Contains("skipped (LinkLoop): '" + Path.Combine(root, "Cat", "up") + "' links to a folder that contains it (a loop); not followed", output);
    }

    [Fact]
    public void Verify_MaxFileMb_SkipsLargerFilesSayingTheLimit()
    {
        string root = TempDataset.Create(("Cat", 1), ("Dog", 1));
        File.WriteAllBytes(Path.Combine(root, "Cat", "big.png"), new byte[(1024 * 1024) + 1]);

        var (code, output, _) = CliRunner.Run("verify", root, "--max-file-mb", "1");
        var bad = CliRunner.Run("verify", root, "--max-file-mb", "0");

        Assert.Equal(0, code);
        Assert.Contains("skipped (TooLarge):", output);
        Assert.Contains("over the limit of 1,048,576 bytes for one image file", output);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--max-file-mb must be between 1 and 2047", bad.Error);
    }

    [Fact]
    public void Show_Fifo_OneLineExitCode2()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        var (root, fifo) = OddDataset();

        var (code, _, error) = SpecialFiles.Within(Limit, () => CliRunner.Run("show", fifo, "--out", Path.Combine(root, "prep.png")), fifo);

        Assert.Equal(2, code);
        Assert.Equal($"error: '{fifo}' is a FIFO (named pipe), not a regular file; not opened", error.Trim());
    }

    [Fact]
    [Trait("Category", Categories.RealModel)]
    public void Extract_FolderWithFifoAndLoop_WritesTheImagesAndReportsTheRest()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        var (root, fifo) = OddDataset();
        string npy = Path.Combine(Directory.CreateTempSubdirectory("tenni-extract-odd").FullName, "f.npy");

        var (code, output, error) = SpecialFiles.Within(Limit, () => CliRunner.Run("extract", root, "--out", npy), fifo);

        Assert.Equal(0, code);
        Assert.Contains("skipped 2", output); // the FIFO and /dev/zero; the loop is not a file
        Assert.Contains($"'{fifo}' is a FIFO", error);
        Assert.Contains("character device", error);
        Assert.Contains("skipped (LinkLoop): '" + Path.Combine(root, "Cat", "up") + "'", error);
        Assert.Equal(4, File.ReadAllLines(Tenni.FeatureExtractor.FileListPath(npy)).Length);
    }

    /// <summary>Two classes of two images; Cat also holds a FIFO x.jpg, a link to /dev/zero and a link to the data folder.</summary>
    internal static (string Root, string Fifo) OddDataset()
    {
        string root = TempDataset.Create(("Cat", 2), ("Dog", 2));
        string fifo = Path.Combine(root, "Cat", "x.jpg");
        SpecialFiles.MakeFifo(fifo);
        File.CreateSymbolicLink(Path.Combine(root, "Cat", "zero.jpg"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(root, "Cat", "up"), root);
        return (root, fifo);
    }
}
