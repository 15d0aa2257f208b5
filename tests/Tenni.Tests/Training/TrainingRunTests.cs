using System.Text.Json;
using Tenni.Models;
using Tenni.Tests.Support;
using Tenni.Training;
using Tenni.Training.Extensions;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tenni.Tests.Training;

/// <summary>End-to-end training on a slice of PetImages-mini with the bundled ResNet18.</summary>
[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class TrainingRunTests(ITestOutputHelper output)
{
    // One cache folder for the class: activations are computed once and reused, as in real use.
    private static readonly string SharedCache = Directory.CreateTempSubdirectory("tenni-test-cache").FullName;

    // The chapter's recipe on a slice: these tests are about its loop (the default would fit the head with L-BFGS).
    private static TrainOptions Small(int epochs = 3) => new()
    {
        HeadSolver = HeadSolver.Gradient,
        PerClass = 16,
        Epochs = epochs,
        BatchSize = 8,
        CacheFolder = SharedCache,
    };

    [Fact]
    public void Train_HeadOnly_WritesChainerLogPlotsModelAndSplit()
    {
        string run = NewRunFolder();

        var result = TrainingRun.Train(TestData.PetImages, run, Small(), new StringWriter());

        var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "log"))).RootElement;
        Assert.Equal(3, log.GetArrayLength());
        foreach (string key in PrintReport.ChapterColumns)
        {
            Assert.True(log[2].TryGetProperty(key, out _), $"log entry lacks {key}");
        }

        Assert.Equal(9, log[2].GetProperty("iteration").GetInt64()); // 22 training images in batches of 8: 3 iterations an epoch
        foreach (string file in new[] { "accuracy.png", "loss.png", "config.json", "data-report.json", "train.tsv", "val.tsv", "model.safetensors", "model.json", "best/model.safetensors", "snapshot/state.json" })
        {
            Assert.True(File.Exists(Path.Combine(run, file)), $"missing {file}");
        }

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(run, "accuracy.png"))[..4]);
        AssertPythonReadsLog(Path.Combine(run, "log"));
        Assert.True(result.Cached);
        Assert.InRange(result.BestAccuracy, 0.8, 1.0); // measured 0.9 (9 of 10 validation photos); chance is 0.5, one photo of margin
    }

    [Fact]
    public void Train_SameSeedTwice_IdenticalLogsButElapsedTime()
    {
        var first = TrainingRun.Train(TestData.PetImages, NewRunFolder(), Small(), new StringWriter());
        var second = TrainingRun.Train(TestData.PetImages, NewRunFolder(), Small(), new StringWriter());

        Assert.Equal(WithoutTime(first.LogPath), WithoutTime(second.LogPath));
    }

    [Fact]
    public void Train_StoppedAfterEpoch2AndResumed_SameLogAsUninterrupted()
    {
        var uninterrupted = TrainingRun.Train(TestData.PetImages, NewRunFolder(), Small(4), new StringWriter());
        string run = NewRunFolder();

        TrainingRun.Train(TestData.PetImages, run, Small(4) with { StopAfterEpoch = 2 }, new StringWriter());
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "log"))).RootElement.GetArrayLength());
        var resumed = TrainingRun.Train(TestData.PetImages, run, Small(4), new StringWriter(), resume: true);

        Assert.Equal(WithoutTime(uninterrupted.LogPath), WithoutTime(resumed.LogPath));
    }

    [Fact]
    public void Train_ResumeAfterTheDataChanged_RefusesWithAClearMessage()
    {
        string data = TempDataset.Create(("a", 6), ("b", 6));
        string run = NewRunFolder();
        var options = new TrainOptions { Epochs = 3, BatchSize = 4, CacheFolder = SharedCache, StopAfterEpoch = 1 };
        TrainingRun.Train(data, run, options, new StringWriter());
        TempDataset.WriteImage(Path.Combine(data, "a", "new.png"), 999);

        var error = Assert.Throws<TenniException>(() => TrainingRun.Train(data, run, options with { StopAfterEpoch = null }, new StringWriter(), resume: true));

        Assert.Contains("changed since this run started", error.Message);
    }

    [Fact]
    public void LogReport_NonFiniteValue_LeftOutOfTheEntry()
    {
        string json = LogReport.ToJson([new Dictionary<string, double> { ["epoch"] = 1, ["main/loss"] = double.NaN, ["main/accuracy"] = 0.5 }]);

        var entry = Assert.Single(LogReport.Parse(json));
        Assert.False(entry.ContainsKey("main/loss"));
        Assert.Equal(0.5, entry["main/accuracy"]);
    }

    [Fact]
    public void Train_CachedAndUncached_SameLosses()
    {
        var cached = TrainingRun.Train(TestData.PetImages, NewRunFolder(), Small(2), new StringWriter());
        var uncached = TrainingRun.Train(TestData.PetImages, NewRunFolder(), Small(2) with { Cache = false }, new StringWriter());

        Assert.True(cached.Cached);
        Assert.False(uncached.Cached);
        var a = WithoutTime(cached.LogPath);
        var b = WithoutTime(uncached.LogPath);

        // Tolerance: the cached activations were computed in batches of 32 and the full network runs in
        // batches of 8, so convolution sums are ordered differently (1e-5 relative on pool5); after two
        // epochs of Adam that stays far below 1e-3 on the losses.
        for (int i = 0; i < a.Count; i++)
        {
            foreach (string key in new[] { "main/loss", "validation/main/loss", "main/accuracy", "validation/main/accuracy" })
            {
                output.WriteLine($"epoch {i + 1} {key}: cached {a[i][key]}, uncached {b[i][key]}");
                Assert.Equal(a[i][key], b[i][key], 1e-3);
            }
        }
    }

    [Fact]
    public void Train_Res5Unfrozen_FrozenParametersBitIdenticalAndCacheAtRes4()
    {
        // Given the reference weights of an untouched model
        using var reference = SourceModel.Load("resnet18");
        var before = reference.Graph.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var res5 = reference.LayersOf("res5").Select(l => l.GetName()).ToHashSet();
        string run = NewRunFolder();

        // When res5 and the head train for one epoch
        TrainingRun.Train(TestData.PetImages, run, Small(1) with { TrainLayers = ["res5"] }, new StringWriter(), finished: model =>
        {
            // Then every parameter outside res5 is bit-identical, and res5's moved
            foreach (var (name, parameter) in model.Source.Graph.named_parameters())
            {
                bool same = before[name].allclose(parameter.detach(), rtol: 0, atol: 0);
                Assert.True(res5.Contains(name.Split('.')[0]) != same, $"{name}: unchanged={same}");
            }
        });

        string config = File.ReadAllText(Path.Combine(run, "config.json"));
        Assert.Contains("\"layer\": \"res4\"", config);
    }

    [Fact]
    public void Train_HeadOnCachedPool5_StepsOnOneThread_Res5Unfrozen_EveryThread()
    {
        int original = get_num_threads();
        set_num_threads(2);
        try
        {
            // The live progress is reported from inside the trainer, after each step.
            var headOnly = new ThreadCounts();
            TrainingRun.Train(TestData.PetImages, NewRunFolder(), Small(1), new StringWriter(), training: headOnly);
            var res5 = new ThreadCounts();
            TrainingRun.Train(TestData.PetImages, NewRunFolder(), Small(1) with { TrainLayers = ["res5"] }, new StringWriter(), training: res5);

            Assert.Equal([1], headOnly.Seen);
            Assert.Equal([2], res5.Seen);
            Assert.Equal(2, get_num_threads());
        }
        finally
        {
            set_num_threads(original);
        }
    }

    /// <summary>The chapter reads the log with <c>json.load</c>: check with Python itself where it is installed.</summary>
    private void AssertPythonReadsLog(string path)
    {
        string? python = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "python3")).FirstOrDefault(File.Exists);
        if (python is null)
        {
            output.WriteLine("python3 not found; log checked with System.Text.Json only");
            return;
        }

        const string script = "import json,sys; d=json.load(open(sys.argv[1])); keys={'epoch','iteration','elapsed_time','main/loss','main/accuracy','validation/main/loss','validation/main/accuracy'}; assert all(keys <= set(e) for e in d), d; print(len(d))";
        var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python, ["-c", script, path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
        Assert.Equal("3", stdout.Trim());
    }

    private static string NewRunFolder() => Path.Combine(Directory.CreateTempSubdirectory("tenni-run").FullName, "run");

    private static List<Dictionary<string, double>> WithoutTime(string logPath)
    {
        var entries = LogReport.Parse(File.ReadAllText(logPath));
        entries.ForEach(e => e.Remove("elapsed_time"));
        return entries;
    }

    // IProgress<T> called synchronously on the training thread (Progress<T> would post to the thread pool).
    private sealed class ThreadCounts : IProgress<TrainingProgress>
    {
        public HashSet<int> Seen { get; } = [];

        public void Report(TrainingProgress value) => Seen.Add(get_num_threads());
    }
}
