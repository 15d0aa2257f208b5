using Tenni.Tests.Support;

namespace Tenni.Tests.Cli;

public sealed class VerifyCommandTests
{
    [Fact]
    public void Verify_PetImagesMini_SummaryWithCountsAndEverySkippedFile()
    {
        var (code, output, error) = CliRunner.Run("verify", TestData.PetImages);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("2 classes, 401 images, 5 files skipped", output);
        Assert.Contains("Cat (label 0): 202 images of 204 files", output);
        Assert.Contains("skipped (Truncated):", output);
        Assert.Contains("11702.jpg", output);
    }

    [Fact]
    public void Verify_Json_PrintsTheFullReportAndSavesIt()
    {
        string report = Path.Combine(Directory.CreateTempSubdirectory("tenni-verify").FullName, "report.json");

        var (code, output, _) = CliRunner.Run("verify", TestData.PetImages, "--json", "--report", report, "--classes", "Dog,Cat", "--per-class", "20");

        Assert.Equal(0, code);
        using var printed = System.Text.Json.JsonDocument.Parse(output);
        using var saved = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(40, printed.RootElement.GetProperty("images").GetInt32());
        Assert.Equal("Dog", saved.RootElement.GetProperty("classes")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void Verify_BadFolders_OneLineAndExitCode2()
    {
        string oneClass = TempDataset.Create(("cats", 2));
        string noImages = TempDataset.Create(("a", 0), ("b", 0));
        File.WriteAllBytes(Path.Combine(noImages, "a", "empty.jpg"), []);

        foreach (var (folder, message) in new[] { ("/no/such/data", "does not exist"), (oneClass, "one class folder"), (noImages, "no readable image"), (Path.GetTempPath() + "tenni-none-" + Guid.NewGuid(), "does not exist") })
        {
            var (code, _, error) = CliRunner.Run("verify", folder);
            Assert.Equal(2, code);
            Assert.Contains(message, error);
            Assert.Single(error.Trim().Split('\n'));
        }

        string noClassFolders = Directory.CreateTempSubdirectory("tenni-flat").FullName;
        Assert.Contains("holds no class folders", CliRunner.Run("verify", noClassFolders).Error);
    }
}
