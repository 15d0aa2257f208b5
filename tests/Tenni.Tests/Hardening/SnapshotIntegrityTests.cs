using System.Text.Json.Nodes;
using Tenni.Tests.Support;
using Tenni.Training;
using Tenni.Training.Extensions;

namespace Tenni.Tests.Hardening;

/// <summary>Snapshots: every file is checked against the manifest before anything is restored.</summary>
[Collection(TorchCollection.Name)]
public sealed class SnapshotIntegrityTests
{
    private static readonly TimeSpan PerVariant = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(SnapshotFiles.State)]
    [InlineData(SnapshotFiles.Manifest)]
    public void Open_TruncatedOrFlippedStateOrManifest_SameStateOrTenniException(string name)
    {
        // Given a complete snapshot folder
        string folder = SnapshotFolder();
        var expected = SnapshotFiles.Open(folder);
        string file = Path.Combine(folder, name);
        byte[] valid = File.ReadAllBytes(file);

        // When the file is truncated or has a byte flipped, Then the same state is read or the snapshot is refused
        Mutations.AssertLoadsSameOrRefuses(valid, seed: 21, bytes => File.WriteAllBytes(file, bytes), () => SnapshotFiles.Open(folder), expected, PerVariant, new SameState());
    }

    [Theory]
    [InlineData(SnapshotFiles.Model)]
    [InlineData(SnapshotFiles.Optimizer)]
    public void Open_TruncatedOrFlippedTensorFiles_AlwaysRefusedNamingTheFile(string name)
    {
        string folder = SnapshotFolder();
        var expected = SnapshotFiles.Open(folder);
        string file = Path.Combine(folder, name);
        byte[] valid = File.ReadAllBytes(file);

        int loaded = Mutations.AssertLoadsSameOrRefuses(valid, seed: 22, bytes => File.WriteAllBytes(file, bytes), () => SnapshotFiles.Open(folder), expected, PerVariant, new SameState());
        File.WriteAllBytes(file, valid[..^1]);
        var error = Assert.Throws<TenniException>(() => SnapshotFiles.Open(folder));

        Assert.Equal(0, loaded);
        Assert.Contains(name, error.Message);
        Assert.Contains("start anew", error.Message);
    }

    [Theory]
    [InlineData("updater", "epoch", "null")]
    [InlineData("updater", "epoch", "-1")]
    [InlineData("updater", "iteration", "\"9\"")]
    [InlineData("BestModel", "best_accuracy", "1.5")]
    [InlineData("LogReport", "log", "{}")]
    [InlineData("LogReport", "log", "[{\"epoch\": \"x\"}]")]
    public void Restore_MalformedStateField_TenniExceptionNamingIt(string part, string field, string value)
    {
        // A state.json that matches its manifest but holds a bad field: written by a buggy or foreign tool.
        string folder = SnapshotFolder(state => (part == "updater" ? state["updater"]! : state["extensions"]![part]!["state"]!)[field] = JsonNode.Parse(value));
        using var model = new Training.Loop.TwoParameterModel();
        var updater = new StandardUpdater(model, new Training.Loop.LineBatchSource(8, 4), TorchSharp.torch.optim.Adam(model.Parameters), seed: 1);
        var trainer = new Trainer(updater, epochs: 3);
        trainer.Extend(new LogReport(Path.Combine(folder, "log")));
        trainer.Extend(new BestModel(_ => { }, Path.Combine(folder, "best")));

        var error = Assert.Throws<TenniException>(() => trainer.Restore(SnapshotFiles.Open(folder), folder));

        Assert.Contains("expected", error.Message);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Open_SnapshotOfAnEarlierTenni_RefusedWithAdvice()
    {
        string folder = SnapshotFolder();
        File.Delete(Path.Combine(folder, SnapshotFiles.Manifest));

        var error = Assert.Throws<TenniException>(() => SnapshotFiles.Open(folder));

        Assert.Contains("earlier Tenni", error.Message);
    }

    [Fact]
    public void Train_ResumeWithFlippedSnapshotBits_RefusedNamingTheFile()
    {
        // On main the flipped weights were restored silently and training went on from them.
        var run = new TinyRun();
        run.Train(run.Options with { StopAfterEpoch = 1 });
        string weights = Path.Combine(run.Folder, Snapshot.FolderName, SnapshotFiles.Model);
        byte[] bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(weights, bytes);

        var error = Assert.Throws<TenniException>(() => run.Train(run.Options, resume: true));

        Assert.Contains($"'{weights}'", error.Message);
        Assert.Contains("does not match its checksum", error.Message);
    }

    [Fact]
    public void Train_ResumeWithTruncatedOptimizerState_RefusedNotUnexpected()
    {
        // On main this ended in an EndOfStreamException: "unexpected", exit 1.
        var run = new TinyRun();
        run.Train(run.Options with { StopAfterEpoch = 1 });
        string optimizer = Path.Combine(run.Folder, Snapshot.FolderName, SnapshotFiles.Optimizer);
        File.WriteAllBytes(optimizer, File.ReadAllBytes(optimizer)[..100]);

        var error = Assert.Throws<TenniException>(() => run.Train(run.Options, resume: true));

        Assert.Contains(SnapshotFiles.Optimizer, error.Message);
    }

    [Fact]
    public void Train_ResumeWithAnotherOptimizer_RefusedNotUnexpected()
    {
        var run = new TinyRun();
        run.Train(run.Options with { StopAfterEpoch = 1 });

        var error = Assert.Throws<TenniException>(() => run.Train(run.Options with { Optimizer = OptimizerKind.Sgd }, resume: true));

        Assert.Contains("taken with optimizer Adam", error.Message);
    }

    [Fact]
    public void Train_ResumeIntactSnapshot_ContinuesToTheLastEpoch()
    {
        var run = new TinyRun();
        run.Train(run.Options with { StopAfterEpoch = 1 });

        string output = run.Train(run.Options, resume: true);

        Assert.Contains("resumed after epoch 1", output);
        Assert.True(File.Exists(Path.Combine(run.Folder, Snapshot.FolderName, SnapshotFiles.Manifest)));
    }

    /// <summary>A snapshot folder as <see cref="Snapshot"/> writes it for a trainer with a log and a best model.</summary>
    private static string SnapshotFolder(Action<JsonObject>? edit = null)
    {
        string folder = Directory.CreateTempSubdirectory("tenni-snapshot").FullName;
        // The model and optimizer files of a real updater (a two-parameter model), so that a restore gets past them.
        using (var model = new Training.Loop.TwoParameterModel(0.5f, -0.25f))
        {
            new StandardUpdater(model, new Training.Loop.LineBatchSource(8, 4), TorchSharp.torch.optim.Adam(model.Parameters), seed: 1).Save(folder);
        }

        var log = JsonNode.Parse(LogReport.ToJson([
            new Dictionary<string, double> { ["epoch"] = 1, ["iteration"] = 3, ["main/loss"] = 0.7, ["validation/main/accuracy"] = 0.5 },
            new Dictionary<string, double> { ["epoch"] = 2, ["iteration"] = 6, ["main/loss"] = 0.6, ["validation/main/accuracy"] = 0.75 }]));
        var state = new JsonObject
        {
            ["elapsed_time"] = 1.25,
            ["updater"] = new JsonObject { ["epoch"] = 2, ["iteration"] = 6, ["optimizer"] = "Adam" },
            ["extensions"] = new JsonObject
            {
                ["LogReport"] = new JsonObject { ["state"] = new JsonObject { ["log"] = log } },
                ["BestModel"] = new JsonObject { ["state"] = new JsonObject { ["best_accuracy"] = 0.75, ["best_epoch"] = 2 }, ["trigger"] = new JsonObject { ["best"] = 0.75 } },
            },
        };
        edit?.Invoke(state);
        File.WriteAllText(Path.Combine(folder, SnapshotFiles.State), state.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        SnapshotFiles.WriteManifest(folder);
        return folder;
    }

    private sealed class SameState : IEqualityComparer<JsonObject>
    {
        public bool Equals(JsonObject? x, JsonObject? y) => x is not null && y is not null && x.ToJsonString() == y.ToJsonString();

        public int GetHashCode(JsonObject obj) => 0;
    }
}
