using Tenni.Tests.Support;

namespace Tenni.Tests.Cli;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class PredictCommandTests(TrainedRunFixture run) : IClassFixture<TrainedRunFixture>
{
    [Fact]
    public void Predict_WholePetImagesMini_ClassifiesEveryGoodImageAndListsEveryDefect()
    {
        var (code, output, error) = CliRunner.Run("predict", "--run", run.Folder, TestData.PetImages, "--csv");

        Assert.Equal(0, code);
        string[] rows = output.Trim().Split('\n').Skip(1).ToArray();
        Assert.Equal(406, rows.Length);
        Assert.Equal(401, rows.Count(r => r.Contains(",Cat,") || r.Contains(",Dog,")));
        string[] unreadable = rows.Where(r => r.Split(',')[1].Length == 0).ToArray();
        Assert.Equal(5, unreadable.Length);
        foreach (string defect in new[] { "666.jpg", "Thumbs.db", "2877.jpg", "11702.jpg" })
        {
            Assert.Contains(unreadable, r => r.Contains(defect));
        }

        Assert.Contains("predicted 401 images; 5 unreadable files", error);
    }

    [Fact]
    public void Predict_TableAndJson_TopK()
    {
        string photo = run.Photos[0];

        var table = CliRunner.Run("predict", "--run", run.Folder, photo, "--top", "2");
        var json = CliRunner.Run("predict", "--run", run.Folder, photo, "--json");

        Assert.Matches(@"(Cat|Dog) \d\.\d{3}, (Cat|Dog) \d\.\d{3}", table.Output);
        using var parsed = System.Text.Json.JsonDocument.Parse(json.Output);
        Assert.Equal(photo, parsed.RootElement[0].GetProperty("path").GetString());
    }

    [Fact]
    public void Predict_Tta_AveragesViewsAndStaysAProbability()
    {
        string photo = run.Photos[0];

        var plain = CliRunner.Run("predict", "--run", run.Folder, photo, "--json", "--top", "2");
        var flipped = CliRunner.Run("predict", "--run", run.Folder, photo, "--json", "--top", "2", "--tta", "flip");

        Assert.Equal(0, flipped.ExitCode);
        double Top(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement[0].GetProperty("top")[0].GetProperty("probability").GetDouble();
        double Sum(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement[0].GetProperty("top").EnumerateArray().Sum(t => t.GetProperty("probability").GetDouble());
        Assert.NotEqual(Top(plain.Output), Top(flipped.Output));
        Assert.Equal(1.0, Sum(flipped.Output), 5);
        Assert.Equal(2, CliRunner.Run("predict", "--run", run.Folder, photo, "--tta", "mirror").ExitCode);
    }

    [Fact]
    public void Predict_FolderWithFifoDeviceLinkAndLoop_ExitsZeroWithEachReported()
    {
        if (!Hardening.SpecialFiles.Supported)
        {
            return;
        }

        var (root, fifo) = Hardening.SpecialFilesCliTests.OddDataset();

        var (code, output, error) = Hardening.SpecialFiles.Within(TimeSpan.FromSeconds(60), () => CliRunner.Run("predict", "--run", run.Folder, root), fifo);

        Assert.Equal(0, code);
        Assert.Contains($"unreadable: '{fifo}' is a FIFO", output);
        Assert.Contains("character device", output);
        Assert.Contains("skipped (LinkLoop):", error);
        Assert.Contains("predicted 4 images; 2 unreadable files", error);
    }

    [Fact]
    public void PredictAndExport_BadInput_ExitCode2()
    {
        Assert.Equal(2, CliRunner.Run("predict", "--run", run.Folder, "/no/such/image.jpg").ExitCode);
        Assert.Equal(2, CliRunner.Run("predict", "--run", Directory.CreateTempSubdirectory("tenni-empty-run").FullName, run.Photos[0]).ExitCode);
        Assert.Equal(2, CliRunner.Run("export", "--run", "/no/such/run", "--onnx", "/tmp/x.onnx").ExitCode);
    }

    [Fact]
    public void Export_Command_WritesOnnxFile()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-export-cli").FullName, "pets.onnx");

        var (code, output, _) = CliRunner.Run("export", "--run", run.Folder, "--onnx", path, "--with-preprocessing");

        Assert.Equal(0, code);
        Assert.Contains("input 'image' float [N, 3, 224, 224] (RGB 0..255)", output);
        Assert.True(new FileInfo(path).Length > 40_000_000);
    }
}
