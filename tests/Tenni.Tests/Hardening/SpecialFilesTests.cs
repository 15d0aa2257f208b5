using Tenni.Data;
using Tenni.Imaging;
using Tenni.Tests.Support;

namespace Tenni.Tests.Hardening;

public sealed class SpecialFilesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public void Read_FifoNamedJpg_SkippedUnopenedAsNotARegularFile()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        // Given a FIFO named x.jpg with no writer (opening it for reading would block forever)
        string fifo = Path.Combine(Directory.CreateTempSubdirectory("tenni-fifo").FullName, "x.jpg");
        SpecialFiles.MakeFifo(fifo);

        // When it is read
        var (image, problem) = SpecialFiles.Within(Limit, () => ImageReader.Read(fifo), fifo);

        // Then it is skipped as a FIFO, at once
        Assert.Null(image);
        Assert.Equal(ImageProblemKind.NotARegularFile, problem!.Kind);
        Assert.Contains("FIFO", problem.Message);
    }

    [Fact]
    public void Open_FifoSwappedInAfterTheTypeCheck_ReturnsAtOnceAndIsSeenAsAFifo()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        // The second line of defence: a FIFO that replaced a checked file before open(2) must not block it.
        string fifo = Path.Combine(Directory.CreateTempSubdirectory("tenni-toctou").FullName, "x.jpg");
        SpecialFiles.MakeFifo(fifo);

        var kind = SpecialFiles.Within(Limit, () =>
        {
            using var handle = ImageFileBytes.Open(fifo);
            return Tenni.IO.FileStatus.Of(handle).Kind;
        }, fifo);

        Assert.Equal(Tenni.IO.FileKind.Fifo, kind);
    }

    [Fact]
    public void Read_LinkToDevZero_SkippedWithoutReading()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        string link = Path.Combine(Directory.CreateTempSubdirectory("tenni-zero").FullName, "zero.jpg");
        File.CreateSymbolicLink(link, "/dev/zero");

        // (Within: before the fix this read /dev/zero until the 2 GB array limit.)
        var (image, problem, allocated) = SpecialFiles.Within(Limit, () =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var (image, problem) = ImageReader.Read(link);
            return (image, problem, GC.GetAllocatedBytesForCurrentThread() - before);
        });

        Assert.Null(image);
        Assert.Equal(ImageProblemKind.NotARegularFile, problem!.Kind);
        Assert.Contains("character device", problem.Message);
        Assert.InRange(allocated, 0, 64 * 1024);
    }

    [Fact]
    public void Read_FileOverTheByteLimit_TooLargeNamingTheLimitAndHowToRaiseIt()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-big").FullName, "big.png");
        TempDataset.WriteImage(path, 1, 300, 300);
        long size = new FileInfo(path).Length;

        var (image, problem) = ImageReader.Read(path, maxFileBytes: size - 1);
        var (fits, _) = ImageReader.Read(path, maxFileBytes: size);

        Assert.Null(image);
        Assert.Equal(ImageProblemKind.TooLarge, problem!.Kind);
        Assert.Contains($"limit of {size - 1:N0} bytes", problem.Message);
        Assert.Contains("MaxFileBytes", problem.Message);
        Assert.NotNull(fits);
    }

    [Fact]
    public void Scan_ByteLimitNoArrayCanHold_OneTenniExceptionBeforeAnyRead()
    {
        string root = TempDataset.Create(("a", 1), ("b", 1));

        var error = Assert.Throws<TenniException>(() => ImageFolder.Scan(root, new ImageFolderOptions { MaxFileBytes = 0 }));

        Assert.Contains("MaxFileBytes", error.Message);
    }

    [Fact]
    public void Read_FileWhoseSizeIsNotKnownInAdvance_ReadNoFurtherThanTheLimit()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        // procfs files report 0 bytes but have content: the reader reads on, up to the limit plus one byte.
        var (_, small) = ImageReader.Read("/proc/self/maps", maxFileBytes: 16);
        var (_, whole) = ImageReader.Read("/proc/self/maps");

        Assert.Equal(ImageProblemKind.TooLarge, small!.Kind);
        Assert.Contains("more than 16 bytes", small.Message);
        Assert.Equal(ImageProblemKind.NotAnImage, whole!.Kind);
    }

    [Fact]
    public void Scan_ClassFolderWithFifoDeviceLinkAndLoop_EndsReportingEach()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        // Given two classes of good images, plus in Cat: a FIFO, a link to /dev/zero, a link to the data
        // folder (a loop) and a link to Cat itself from a subfolder
        string root = TempDataset.Create(("Cat", 2), ("Dog", 2));
        string cat = Path.Combine(root, "Cat");
        string fifo = Path.Combine(cat, "x.jpg");
        SpecialFiles.MakeFifo(fifo);
        File.CreateSymbolicLink(Path.Combine(cat, "zero.jpg"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(cat, "up"), root);
        Directory.CreateDirectory(Path.Combine(cat, "sub"));
        File.CreateSymbolicLink(Path.Combine(cat, "sub", "again"), "..");

        // When the folder is scanned
        var folder = SpecialFiles.Within(Limit, () => ImageFolder.Scan(root), fifo);

        // Then the good images are kept and every odd entry is reported once with its reason
        Assert.Equal(4, folder.Samples.Count);
        var reasons = folder.Report.Skipped.ToDictionary(s => Path.GetRelativePath(root, s.Path), s => s.Reason);
        Assert.Equal(ImageProblemKind.NotARegularFile, reasons[Path.Combine("Cat", "x.jpg")]);
        Assert.Equal(ImageProblemKind.NotARegularFile, reasons[Path.Combine("Cat", "zero.jpg")]);
        Assert.Equal(ImageProblemKind.LinkLoop, reasons[Path.Combine("Cat", "up")]);
        Assert.Equal(ImageProblemKind.LinkLoop, reasons[Path.Combine("Cat", "sub", "again")]);
        Assert.Equal(4, folder.Report.Skipped.Count);
        Assert.Contains("/dev/zero", string.Join("\n", folder.Report.OutsideLinks));
    }

    [Fact]
    public void Expand_LinkLoop_EndsListingEachFileOnceAndReportsTheLink()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        string root = Directory.CreateTempSubdirectory("tenni-loop").FullName;
        Directory.CreateDirectory(Path.Combine(root, "a", "b"));
        TempDataset.WriteImage(Path.Combine(root, "a", "b", "1.png"), 1);
        File.CreateSymbolicLink(Path.Combine(root, "a", "b", "loop"), Path.Combine(root, "a"));
        var skipped = new List<SkippedImage>();

        var files = SpecialFiles.Within(Limit, () => ImageFiles.Expand([root], skipped));

        Assert.Equal([Path.Combine(root, "a", "b", "1.png")], files);
        Assert.Equal(Path.Combine(root, "a", "b", "loop"), Assert.Single(skipped).Path);
        Assert.Contains("a loop", skipped[0].Message);
    }

    [Fact]
    public void Scan_LinksToAFolderOutside_FollowedOnceAndReportedAsOutside()
    {
        if (!SpecialFiles.Supported)
        {
            return;
        }

        // Given Cat holding two links to one folder outside the data folder, and Dog a link to a file outside
        string outside = Directory.CreateTempSubdirectory("tenni-outside").FullName;
        TempDataset.WriteImage(Path.Combine(outside, "o.png"), 99);
        string root = TempDataset.Create(("Cat", 1), ("Dog", 1));
        File.CreateSymbolicLink(Path.Combine(root, "Cat", "more"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "Cat", "more2"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "Dog", "o.png"), Path.Combine(outside, "o.png"));
        File.CreateSymbolicLink(Path.Combine(root, "Dog", "cat.png"), Path.Combine(root, "Cat", "0000.png")); // inside: not reported

        var folder = ImageFolder.Scan(root);

        // Then the outside folder is read once (through the first link), the file link too, and both (only) are reported
        Assert.Equal([Path.Combine(root, "Cat", "0000.png"), Path.Combine(root, "Cat", "more", "o.png")], folder.Samples.Where(s => s.Label == 0).Select(s => s.Path));
        Assert.Contains(folder.Samples, s => s.Path == Path.Combine(root, "Dog", "o.png"));
        Assert.Equal(ImageProblemKind.LinkLoop, Assert.Single(folder.Report.Skipped).Reason);
        Assert.Equal([$"{Path.Combine(root, "Cat", "more")} -> {outside}", $"{Path.Combine(root, "Dog", "o.png")} -> {Path.Combine(outside, "o.png")}"], folder.Report.OutsideLinks);
        Assert.Contains(folder.Report.Summary(), l => l.Contains("links leading outside the folder (followed)"));
    }
}
