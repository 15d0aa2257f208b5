using Tenni.Tests.Reporting;
using Tenni.Tests.Support;
using Tenni.Training;

namespace Tenni.Tests.Cli;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class ReportCommandTests(TrainedRunFixture run) : IClassFixture<TrainedRunFixture>
{
    [Fact]
    public void Train_Finished_WroteReportOfItsBestModel()
    {
        // Given the run tenni train finished (the fixture)
        string report = Path.Combine(run.Folder, RunReport.FileName);

        // Then it wrote report.html, whose tables are the evaluation of its best model on its validation split
        Assert.True(File.Exists(report), $"tenni train left no {RunReport.FileName}");
        var document = ReportAssert.SelfContained(File.ReadAllText(report), Evaluate());
        Assert.Contains("best on", document.QuerySelector("#summary")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", Categories.Browser)]
    public async Task Report_TrainedRun_WritesOutFileThatChromiumRenders()
    {
        // Given a trained run and a file outside it
        string folder = Directory.CreateTempSubdirectory("tenni-report-cli").FullName;
        try
        {
            string file = Path.Combine(folder, "pull-request.html");

            // When tenni report writes the run's report there
            var (code, output, error) = CliRunner.Run("report", "--run", run.Folder, "--out", file);

            // Then it exits 0, names the file, and the page is complete and renders in Chromium without the network
            Assert.True(code == 0, error);
            Assert.Contains(file, output, StringComparison.Ordinal);
            ReportAssert.SelfContained(File.ReadAllText(file), Evaluate());
            Assert.True(new FileInfo(file).Length < 2_000_000, $"the report is {new FileInfo(file).Length} bytes; it should stay small enough to attach");
            var (headings, screenshot, requests) = await HeadlessChromium.Open(file, "section > h2");
            BrowserAssert.Rendered(headings, screenshot, requests);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Report_MissingRun_ExitsTwoWithOneLine()
    {
        // When tenni report is given a run folder that does not exist
        var (code, _, error) = CliRunner.Run("report", "--run", "/no/such/run");

        // Then it is bad input, said on one line
        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("'/no/such/run' does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ReportCannotBeWritten_WarnsAndKeepsTheTrainedModel()
    {
        // Given a run stopped after one epoch whose report.html has become a folder (no file can replace it)
        string root = Directory.CreateTempSubdirectory("tenni-report-fail").FullName;
        try
        {
            string folder = Path.Combine(root, "run");
            string[] train = ["train", "--data", Path.Combine(TestData.RepositoryRoot, "samples", "pets"), "--recipe", "chapter", "--out", folder];
            Assert.Equal(0, CliRunner.Run([.. train, "--epochs", "1"]).ExitCode);
            File.Delete(Path.Combine(folder, RunReport.FileName));
            Directory.CreateDirectory(Path.Combine(folder, RunReport.FileName));

            // When the run is resumed to its end
            var (code, output, error) = CliRunner.Run([.. train, "--epochs", "2", "--resume"]);

            // Then the finished run keeps exit 0 and its model, and one line says the report is missing and how to retry
            Assert.True(code == 0, error);
            Assert.Contains("done: best validation accuracy", output, StringComparison.Ordinal);
            Assert.Single(output.Split('\n'), line => line.StartsWith($"warning: {RunReport.FileName} not written", StringComparison.Ordinal) && line.Contains("tenni report --run", StringComparison.Ordinal));
            Assert.True(TrainedModelFile.Exists(folder));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private Tenni.Evaluation Evaluate()
    {
        using var classifier = TrainedClassifier.Load(TrainedClassifier.ModelFolder(run.Folder));
        return classifier.Evaluate(EvaluationData.ValidationSplit(classifier.Folder, classifier.Classes)).Evaluation;
    }
}
