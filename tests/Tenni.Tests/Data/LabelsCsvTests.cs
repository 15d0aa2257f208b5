using Tenni.Data;
using Tenni.Imaging;
using Tenni.Tests.Support;

namespace Tenni.Tests.Data;

/// <summary>Issue 17, item 2: labels from a path,labels CSV instead of class folders.</summary>
public sealed class LabelsCsvTests
{
    [Fact]
    public void Read_QuotedRelativeAndAbsolutePaths_LabelSetsTrimmedAndDeduplicated()
    {
        string root = Folder(out var photos);
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.Copy(photos[0], Path.Combine(root, "a, \"b\".jpg"));
        File.Copy(photos[1], Path.Combine(root, "sub", "c.jpg"));
        string csv = Write(root, $"Path,LABELS\r\n\"a, \"\"b\"\".jpg\",\" cat ; pet;;cat\"\r\nsub/c.jpg,dog;pet\r\n\r\n{photos[2]},\n");

        var folder = LabelsCsv.Read(csv, multiLabel: true);

        Assert.Equal(["cat", "dog", "pet"], folder.Classes);
        var byName = folder.Samples.ToDictionary(s => Path.GetFileName(s.Path));
        Assert.Equal([0, 2], byName["a, \"b\".jpg"].Labels);
        Assert.Equal([1, 2], byName["c.jpg"].Labels);
        Assert.Equal(Path.Combine(root, "sub", "c.jpg"), byName["c.jpg"].Path);
        Assert.Empty(byName[Path.GetFileName(photos[2])].Labels!); // a photo with no label is allowed
        Assert.Equal(-1, byName[Path.GetFileName(photos[2])].Label);
        Assert.Equal(2, folder.Report.Classes.Single(c => c.Name == "pet").Images);
    }

    [Fact]
    public void Read_MissingAndBrokenFiles_SkippedAndReported()
    {
        string root = Folder(out var photos);
        File.WriteAllBytes(Path.Combine(root, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        string csv = Write(root, $"path,labels\n{photos[0]},cat\n{photos[1]},dog\nmissing.jpg,cat\nbroken.jpg,dog\n");

        var folder = LabelsCsv.Read(csv, multiLabel: false);

        Assert.Equal(2, folder.Samples.Count);
        Assert.Equal(2, folder.Report.Skipped.Count);
        Assert.Contains(folder.Report.Skipped, s => s.Path.EndsWith("missing.jpg", StringComparison.Ordinal));
        Assert.Contains(folder.Report.Skipped, s => s.Path.EndsWith("broken.jpg", StringComparison.Ordinal) && s.Reason != ImageProblemKind.Unreadable);
        Assert.All(folder.Samples, s => Assert.Null(s.Labels)); // single-label data stays as class folders give it
    }

    [Theory]
    [InlineData("", "is empty; expected a header row path,labels")]
    [InlineData("path,labels,extra\nx.jpg,cat,1\n", "expected exactly two columns: path,labels")]
    [InlineData("file,label\nx.jpg,cat\n", "expected exactly two columns: path,labels")]
    [InlineData("path,labels\nx.jpg,cat,1\n", "row 1 (line 2)")]
    [InlineData("path,labels\n\"x.jpg,cat\n", "a quote opens a field that never closes")]
    [InlineData("path,labels\nx.jpg,cat;dog\n", "add --multi-label")]
    [InlineData("path,labels\nx.jpg,cat\n./x.jpg,dog\n", "twice (rows 1 and 2)")]
    public void Read_BadFile_OneLineSayingWhatIsValid(string text, string expected)
    {
        string csv = Write(Folder(out _), text);

        var error = Assert.Throws<TenniException>(() => LabelsCsv.Read(csv, multiLabel: false));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Read_OversizeLine_Refused()
    {
        string csv = Write(Folder(out _), $"path,labels\n{new string('x', 70_000)}.jpg,cat\n");

        Assert.Contains("longer than 65536 characters", Assert.Throws<TenniException>(() => LabelsCsv.Read(csv, multiLabel: false)).Message);
    }

    [Fact]
    public void Read_ClassesGiven_KeepTheirOrderAndRefuseOtherLabels()
    {
        string root = Folder(out var photos);
        string csv = Write(root, $"path,labels\n{photos[0]},cat\n{photos[1]},dog\n");

        var folder = LabelsCsv.Read(csv, false, new ImageFolderOptions { Classes = ["dog", "cat"] });
        var error = Assert.Throws<TenniException>(() => LabelsCsv.Read(csv, false, new ImageFolderOptions { Classes = ["dog", "bird"] }));

        Assert.Equal(["dog", "cat"], folder.Classes);
        Assert.Equal(1, folder.Samples.Single(s => s.Path == photos[0]).Label);
        Assert.Contains("has the label 'cat', not one of --classes (dog, bird)", error.Message);
    }

    [Fact]
    public void Split_IdenticalFilesStayTogether_AndLabelSetsRoundTripThroughTheLists()
    {
        string root = Folder(out var photos, count: 12);
        for (int copy = 0; copy < 4; copy++)
        {
            File.Copy(photos[0], Path.Combine(root, $"copy{copy}.jpg"));
        }

        var rows = photos.Select((p, i) => $"{p},{(i % 2 == 0 ? "cat" : "dog")};{(i % 3 == 0 ? "pet" : "")}")
            .Concat(Enumerable.Range(0, 4).Select(c => $"copy{c}.jpg,dog"));
        string csv = Write(root, "path,labels\n" + string.Join("\n", rows) + "\n");
        var folder = LabelsCsv.Read(csv, multiLabel: true);

        foreach (int seed in new[] { 1, 2, 3, 4, 5 })
        {
            var split = DatasetSplit.Random(folder, new SplitOptions { Seed = seed, TrainFraction = 0.5 });
            string hash = folder.Samples.First(s => s.Path == photos[0]).ContentHash;
            Assert.True(split.Train.Count(s => s.ContentHash == hash) is 0 or 5, $"seed {seed}: identical files split apart");
            string saved = Directory.CreateTempSubdirectory("tenni-labels-split").FullName;
            split.Save(saved);
            var loaded = DatasetSplit.Load(saved, folder.Classes);
            Assert.Equal(split.Validation.Select(s => (s.Path, string.Join(",", s.Labels!))), loaded.Validation.Select(s => (s.Path, string.Join(",", s.Labels!))));
        }
    }

    private static string Folder(out string[] photos, int count = 3)
    {
        string root = Directory.CreateTempSubdirectory("tenni-labels").FullName;
        photos = [.. TestData.Photos("Cat", count).Select((p, i) => Copy(p, Path.Combine(root, $"photo{i}.jpg")))];
        return root;
    }

    private static string Copy(string from, string to)
    {
        File.Copy(from, to);
        return to;
    }

    private static string Write(string root, string text)
    {
        string csv = Path.Combine(root, "labels.csv");
        File.WriteAllText(csv, text);
        return csv;
    }
}
