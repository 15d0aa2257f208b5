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

        var (code, output, _) = CliRunner.Run("train", "--data", Samples, "--recipe", "chapter", "--epochs", "2", "--out", run, "--log-name", "log.json");

        Assert.Equal(0, code);
        Assert.Contains("head: Adam: the chapter's recipe, as asked", output);
        Assert.Contains("epoch        iteration    main/accuracy  validation/main/accuracy  main/loss    validation/main/loss  elapsed_time", output);
        Assert.Contains("done: best validation accuracy", output);
        Assert.True(File.Exists(Path.Combine(run, "log.json")));
    }

    [Fact]
    public void Train_SampleFolderByDefault_FitsTheHeadWithLbfgsAndSaysWhy()
    {
        string run = Path.Combine(Directory.CreateTempSubdirectory("tenni-cli-train").FullName, "run");

        var (code, output, _) = CliRunner.Run("train", "--data", Samples, "--out", run);

        Assert.Equal(0, code);
        Assert.Contains("head: L-BFGS: only the head trains, on cached features", output);
        Assert.Contains("epoch        l2           lbfgs/iterations", output);
        Assert.Matches(@"head: L-BFGS chose l2 = [0-9.e-]+ of \[10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001\] on \d-fold cross-validation: held-out accuracy [0-9.]+, loss [0-9.]+ at temperature [0-9.]+", output);
        string model = File.ReadAllText(Path.Combine(run, "model.json"));
        Assert.Contains("\"head_training\"", model);
        Assert.Contains("\"solver\": \"Lbfgs\"", model);
        Assert.Matches("\"folds\": [2-5]", model);
        Assert.Contains("\"temperature\": ", model);
        Assert.Equal(0, CliRunner.Run("predict", "--run", run, Samples).ExitCode);
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
            ("unknown augmentation 'spin'; valid: flip, crop, rotate[=DEGREES]", ["train", "--data", Samples, "--augment", "spin"]),
            ("--augment: RandAugment magnitude (M) must be 0 to 30, got 31", ["train", "--data", Samples, "--augment", "randaugment=2:31"]),
            ("--epochs must be at least 1", ["train", "--data", Samples, "--epochs", "0"]),
            ("unknown recipe 'fastai'; valid: chapter", ["train", "--data", Samples, "--recipe", "fastai"]),
            ("cannot be combined with --head-solver Lbfgs", ["train", "--data", Samples, "--recipe", "chapter", "--head-solver", "lbfgs"]),
            ("cannot be combined with --train-layers", ["train", "--data", Samples, "--head-solver", "lbfgs", "--train-layers", "res5"]),
            ("'x' is not a number", ["train", "--data", Samples, "--l2", "0.1,x"]),
            ("the L2 grid must hold at least one positive number", ["train", "--data", Samples, "--l2", "-1"]),
            ("--refit refits an L-BFGS head", ["train", "--data", Samples, "--recipe", "chapter", "--refit"]),
            ("--folds must be 0 (choose on the validation split) or at least 2, got 1", ["train", "--data", Samples, "--folds", "1"]),
            ("--layer-lr: 'res5' is not LAYER=RATE", ["train", "--data", Samples, "--layer-lr", "res5"]),
            ("--split-method chainer takes NumPy's seeds, 0 to 4294967295; got --seed -1", ["train", "--data", Samples, "--split-method", "chainer", "--seed", "-1"]),
            ("--folds chooses the L-BFGS head's strength by cross-validation", ["train", "--data", Samples, "--recipe", "chapter", "--folds", "5"]),
            ("label smoothing must be in [0, 1), got 1", ["train", "--data", Samples, "--label-smoothing", "1"]),
            ("mixup α must be in [0, 10], got -1", ["train", "--data", Samples, "--mixup", "-1"]),
            ("--label-smoothing, --mixup and --sampler balanced apply to gradient training", ["train", "--data", Samples, "--head-solver", "lbfgs", "--mixup", "0.4"]),
            ("--class-weights: 'heavy' is neither none, balanced nor an existing JSON file", ["train", "--data", Samples, "--class-weights", "heavy"]),
            ("does not exist", ["train", "--data", Samples, "--class-weights", "/no/such/weights.json"]),
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
