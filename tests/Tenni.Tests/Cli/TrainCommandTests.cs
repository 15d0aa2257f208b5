using Tenni.Tests.Support;

namespace Tenni.Tests.Cli;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class TrainCommandTests
{
    private static readonly string Samples = Path.Combine(TestData.RepositoryRoot, "samples", "pets");

    [Fact]
    public void Train_SampleFolder_PrintsChapterTableAndSummary()
    {
        string run = Path.Combine(Directory.CreateTempSubdirectory("tenni-cli-train").FullName, "run");

        var (code, output, _) = CliRunner.Run("train", "--data", Samples, "--epochs", "2", "--out", run, "--log-name", "log.json");

        Assert.Equal(0, code);
        Assert.Contains("epoch        iteration    main/accuracy  validation/main/accuracy  main/loss    validation/main/loss  elapsed_time", output);
        Assert.Contains("done: best validation accuracy", output);
        Assert.True(File.Exists(Path.Combine(run, "log.json")));
    }

    [Fact]
    public void Train_BadInput_OneLineAndExitCode2()
    {
        string existing = Path.Combine(Directory.CreateTempSubdirectory("tenni-cli-train").FullName, "run");
        Assert.Equal(0, CliRunner.Run("train", "--data", Samples, "--epochs", "1", "--out", existing).ExitCode);

        (string Message, string[] Args)[] cases =
        [
            ("does not exist", ["train", "--data", "/no/such/pets"]),
            ("already holds a training run", ["train", "--data", Samples, "--out", existing]),
            ("nothing to resume", ["train", "--data", Samples, "--out", existing + "-new", "--resume"]),
            ("unknown layer 'fc7'", ["train", "--data", Samples, "--layer", "fc7", "--out", existing + "-fc7"]),
            ("unknown augmentation 'rotate'", ["train", "--data", Samples, "--augment", "rotate"]),
            ("--epochs must be at least 1", ["train", "--data", Samples, "--epochs", "0"]),
        ];
        foreach (var (message, args) in cases)
        {
            var (code, _, error) = CliRunner.Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)} → {code}: {error}");
            Assert.Contains(message, error);
            Assert.DoesNotContain("   at ", error);
        }
    }
}
