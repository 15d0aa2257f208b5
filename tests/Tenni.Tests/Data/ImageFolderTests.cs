using Tenni.Data;
using Tenni.Imaging;
using Tenni.Tests.Support;

namespace Tenni.Tests.Data;

public sealed class ImageFolderTests
{
    [Fact]
    public void Scan_PetImagesMini_KeepsEveryGoodImageAndSkipsEachDefectWithItsReason()
    {
        var folder = ImageFolder.Scan(TestData.PetImages);

        Assert.Equal(["Cat", "Dog"], folder.Classes);
        Assert.Equal([202, 199], folder.Report.Classes.Select(c => c.Images));
        Assert.Equal([204, 202], folder.Report.Classes.Select(c => c.Files));
        Assert.Equal(401, folder.Samples.Count);
        var reasons = folder.Report.Skipped.ToDictionary(s => Path.GetRelativePath(TestData.PetImages, s.Path).Replace('\\', '/'), s => s.Reason);
        Assert.Equal(
            new Dictionary<string, ImageProblemKind>
            {
                ["Cat/666.jpg"] = ImageProblemKind.Empty,
                ["Cat/Thumbs.db"] = ImageProblemKind.SystemFile,
                ["Dog/Thumbs.db"] = ImageProblemKind.SystemFile,
                ["Dog/2877.jpg"] = ImageProblemKind.NotAnImage,
                ["Dog/11702.jpg"] = ImageProblemKind.Truncated,
            },
            reasons);
        Assert.Equal(new Dictionary<string, int> { ["JPEG"] = 398, ["PNG"] = 1, ["GIF"] = 1, ["BMP"] = 1 }, folder.Report.Formats);
        Assert.Equal(folder.Samples.Where(s => s.Label == 0).Select(s => s.Path).Order(StringComparer.Ordinal), folder.Samples.Where(s => s.Label == 0).Select(s => s.Path));
    }

    [Fact]
    public void Scan_ExplicitClassOrder_LabelsFollowIt()
    {
        // The chapter's dog = 0, cat = 1.
        var folder = ImageFolder.Scan(TestData.PetImages, new ImageFolderOptions { Classes = ["Dog", "Cat"], PerClass = 5 });

        Assert.Equal(["Dog", "Cat"], folder.Classes);
        Assert.All(folder.Samples.Where(s => s.Path.Contains($"{Path.DirectorySeparatorChar}Dog{Path.DirectorySeparatorChar}")), s => Assert.Equal(0, s.Label));
    }

    [Fact]
    public void Scan_PerClassCap_KeepsTheFirstReadableImagesInSortedOrder()
    {
        var all = ImageFolder.Scan(TestData.PetImages);

        var capped = ImageFolder.Scan(TestData.PetImages, new ImageFolderOptions { PerClass = 50 });

        Assert.Equal([50, 50], capped.Report.Classes.Select(c => c.Images));
        Assert.Equal(all.Samples.Where(s => s.Label == 1).Take(50), capped.Samples.Where(s => s.Label == 1));
    }

    [Fact]
    public void Scan_IdenticalFiles_ReportedAsOneGroup()
    {
        string root = TempDataset.Create(("a", 3), ("b", 3));
        File.Copy(Path.Combine(root, "a", "0000.png"), Path.Combine(root, "a", "copy.png"));
        File.Copy(Path.Combine(root, "a", "0000.png"), Path.Combine(root, "b", "copy.png"));

        var folder = ImageFolder.Scan(root);

        var group = Assert.Single(folder.Report.Duplicates);
        Assert.Equal(3, group.Paths.Count);
        Assert.True(group.AcrossClasses);
        Assert.Contains("groups of identical files", folder.Report.Summary()[0]);
    }

    [Fact]
    public void Scan_Report_SerializesToJsonWithEverySkippedFile()
    {
        var folder = ImageFolder.Scan(TestData.PetImages, new ImageFolderOptions { PerClass = 300 });

        using var json = System.Text.Json.JsonDocument.Parse(folder.Report.ToJson());

        Assert.Equal(401, json.RootElement.GetProperty("images").GetInt32());
        Assert.Equal(5, json.RootElement.GetProperty("skipped").GetArrayLength());
        Assert.Equal("truncated", json.RootElement.GetProperty("skipped").EnumerateArray().Single(s => s.GetProperty("path").GetString()!.EndsWith("11702.jpg")).GetProperty("reason").GetString());
        Assert.Equal(401, json.RootElement.GetProperty("sizes").GetProperty("shorterSide").EnumerateObject().Sum(b => b.Value.GetInt32()));
    }

    [Fact]
    public void Scan_BadFolders_OneLineSayingWhatIsWrong()
    {
        string missing = Path.Combine(Path.GetTempPath(), "tenni-no-such-folder");
        string noClasses = Directory.CreateTempSubdirectory("tenni-empty").FullName;
        string oneClass = TempDataset.Create(("only", 2));
        string unreadable = TempDataset.Create(("a", 0), ("b", 0));
        File.WriteAllText(Path.Combine(unreadable, "a", "x.jpg"), "<html></html>");

        Assert.Contains("does not exist", Assert.Throws<TenniException>(() => ImageFolder.Scan(missing)).Message);
        Assert.Contains("holds no class folders", Assert.Throws<TenniException>(() => ImageFolder.Scan(noClasses)).Message);
        Assert.Contains("one class folder (only)", Assert.Throws<TenniException>(() => ImageFolder.Scan(oneClass)).Message);
        Assert.Contains("no readable image", Assert.Throws<TenniException>(() => ImageFolder.Scan(unreadable)).Message);
        Assert.Contains("sub-folders: a, b", Assert.Throws<TenniException>(() => ImageFolder.Scan(unreadable, new ImageFolderOptions { Classes = ["a", "c"] })).Message);
    }
}
