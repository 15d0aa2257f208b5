using Tenni.Training;
using Tenni.Training.Extensions;

namespace Tenni.Tests.Training.Loop;

/// <summary>Every extension of the chapter's trainer, driven by a fake updater: milliseconds each.</summary>
public sealed class ExtensionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-loop").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LogReport_AveragesEachEpoch_AndWritesChainersJson()
    {
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2, loss: i => i), epochs: 2);
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(new FixedEvaluator(0.5, 0.75));
        trainer.Extend(log);

        trainer.Run();

        var entries = LogReport.Parse(File.ReadAllText(log.Path));
        Assert.Equal(2, entries.Count);
        Assert.Equal(0.5, entries[0][ObservationKeys.Loss]); // mean of iterations 0 and 1
        Assert.Equal(2.5, entries[1][ObservationKeys.Loss]);
        Assert.Equal(0.75, entries[1][ObservationKeys.ValidationAccuracy]);
        Assert.Equal([2.0, 4.0], entries.Select(e => e[ObservationKeys.Iteration]));
        Assert.Equal([1.0, 2.0], entries.Select(e => e[ObservationKeys.Epoch]));
        Assert.All(entries, e => Assert.True(e[ObservationKeys.ElapsedTime] >= 0));
    }

    [Fact]
    public void LogReport_NonFiniteValue_LeftOutOfItsEntry()
    {
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 1, loss: _ => double.NaN), epochs: 1);
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(log);

        trainer.Run();

        Assert.DoesNotContain(ObservationKeys.Loss, LogReport.Parse(File.ReadAllText(log.Path))[0].Keys);
    }

    [Fact]
    public void PrintReport_HeaderOnceThenOneRowPerEpoch()
    {
        var output = new StringWriter();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2), epochs: 3);
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(new FixedEvaluator(0.5, 0.6, 0.7));
        trainer.Extend(log);
        trainer.Extend(new PrintReport(log, output));

        trainer.Run();

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("epoch", lines[0]);
        Assert.Contains("validation/main/accuracy", lines[0]);
        Assert.StartsWith("3 ", lines[3]);
        Assert.Contains("0.7", lines[3]);
    }

    [Fact]
    public void PlotReport_WritesBothPngs()
    {
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2), epochs: 2);
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(new FixedEvaluator(0.5, 0.6));
        trainer.Extend(log);
        trainer.Extend(new PlotReport(log, _folder));

        trainer.Run();

        foreach (string name in new[] { "accuracy.png", "loss.png" })
        {
            byte[] png = File.ReadAllBytes(Path.Combine(_folder, name));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.True(png.Length > 1000, $"{name} has {png.Length} bytes");
        }
    }

    [Fact]
    public void PlotReport_DrawsBesideTraining_OneAtATime_TheLastWithEveryEpoch()
    {
        var drawn = new List<int>();
        int drawing = 0;
        int overlaps = 0;
        int trainingThread = Environment.CurrentManagedThreadId;
        int besideTraining = 0;
        // Epochs of 30 ms: the thread pool starts the first drawing while they run (a drawing that has not
        // started when training ends runs on the thread that waits for it).
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 1, loss: i => { Thread.Sleep(30); return i; }), epochs: 5);
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(new FixedEvaluator(0.5, 0.6, 0.7, 0.8, 0.9));
        trainer.Extend(log);
        trainer.Extend(new PlotReport(log, _folder, (entries, quantity, path) =>
        {
            if (Interlocked.Increment(ref drawing) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            if (Environment.CurrentManagedThreadId != trainingThread)
            {
                Interlocked.Increment(ref besideTraining);
            }

            Thread.Sleep(50); // longer than an epoch: the next epochs find it busy
            lock (drawn)
            {
                drawn.Add(entries.Count);
            }

            Interlocked.Decrement(ref drawing);
        }));

        trainer.Run();

        Assert.Equal(0, overlaps);
        Assert.True(besideTraining > 0, "the first drawing ran on another thread");
        Assert.Equal([1, 1], drawn[..2]); // after epoch 1: accuracy, then loss
        Assert.Equal([5, 5], drawn[^2..]); // when training ends, every epoch
    }

    [Fact]
    public void PlotReport_FailedDrawing_FailsTheRun()
    {
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 1), epochs: 3);
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(log);
        trainer.Extend(new PlotReport(log, _folder, (_, _, path) => throw new TenniException($"cannot write '{path}'")));

        var error = Assert.Throws<TenniException>(trainer.Run);

        Assert.Contains("accuracy.png", error.Message);
    }

    [Fact]
    public void BestModel_SavesOnlyWhenValidationAccuracyImproves_TiesKeepTheEarlier()
    {
        var saves = new List<int>();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2), epochs: 4);
        BestModel? best = null;
        best = new BestModel(folder => saves.Add(trainer.Updater.Epoch), Path.Combine(_folder, "best"));
        trainer.Extend(new FixedEvaluator(0.5, 0.7, 0.7, 0.6));
        trainer.Extend(best);

        trainer.Run();

        Assert.Equal([1, 2], saves);
        Assert.Equal(2, best.BestEpoch);
        Assert.Equal(0.7, best.BestAccuracy);
        Assert.True(Directory.Exists(best.Folder));
    }

    [Fact]
    public void EarlyStopping_NoImprovementForPatienceEpochs_StopsAndSaysWhy()
    {
        var output = new StringWriter();
        var updater = new FakeUpdater(iterationsPerEpoch: 2);
        var trainer = new Trainer(updater, epochs: 10);
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(new FixedEvaluator(0.5, 0.7, 0.6, 0.65, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9));
        trainer.Extend(log);
        trainer.Extend(new EarlyStopping(log, patience: 2, output));

        trainer.Run();

        Assert.Equal(4, updater.Epoch);
        Assert.Contains("has not improved for 2 epochs (best 0.7 at epoch 2)", output.ToString());
    }

    [Fact]
    public void EarlyStopping_OnValidationLoss_LowerIsBetter()
    {
        var output = new StringWriter();
        var updater = new FakeUpdater(iterationsPerEpoch: 1);
        var trainer = new Trainer(updater, epochs: 10);
        var log = new LogReport(Path.Combine(_folder, "log-loss"));
        trainer.Extend(new FixedEvaluator(0.5, 0.6, 0.8, 0.7, 0.75, 0.79, 0.9, 0.9, 0.9, 0.9)); // loss = 1 - accuracy
        trainer.Extend(log);
        trainer.Extend(new EarlyStopping(log, patience: 3, output, ObservationKeys.ValidationLoss, higherIsBetter: false));

        trainer.Run();

        Assert.Equal(6, updater.Epoch);
        Assert.Contains("validation loss has not improved for 3 epochs (best 0.2 at epoch 3)", output.ToString());
    }

    [Fact]
    public void ProgressReport_LineAtEachEpochEnd()
    {
        var output = new StringWriter();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 4), epochs: 2);
        trainer.Extend(new ProgressReport(output, intervalSeconds: 1e9));

        trainer.Run();

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("train: epoch 0/2, iteration 1/8 (12%)", lines[0]); // the first iteration, then only epoch ends
        Assert.StartsWith("train: epoch 1/2, iteration 4/8 (50%)", lines[1]);
        Assert.StartsWith("train: epoch 2/2, iteration 8/8 (100%)", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Theory]
    [InlineData(LearningRateSchedule.Constant)]
    [InlineData(LearningRateSchedule.Cosine)]
    [InlineData(LearningRateSchedule.OneCycle)]
    public void LearningRateScheduler_EachStepUsesTheScheduleAtItsIteration(LearningRateSchedule schedule)
    {
        using var model = new TwoParameterModel();
        var optimizer = new TrainingOptimizer(TorchSharp.torch.optim.SGD(model.Parameters, 0.1));
        var rates = new List<double>();
        var updater = new FakeUpdater(iterationsPerEpoch: 3);
        var trainer = new Trainer(updater, epochs: 2);
        trainer.Extend(new LearningRateScheduler(optimizer, schedule));
        trainer.Extend(new RateProbe(optimizer, rates), IntervalTrigger.Iterations(1), priority: -1);

        trainer.Run();

        // The probe runs after each step and sees the rate set for the next one: iterations 1..6 (6 past the end).
        double[] expected = Enumerable.Range(1, 6).Select(i => 0.1 * schedule.Factor(i, 6)).ToArray();
        Assert.Equal(expected, rates.ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(0.1, optimizer.BaseRates[0]);
    }

    [Fact]
    public void Snapshot_WritesAVerifiedFolder_AndRestoreContinuesAsIfUninterrupted()
    {
        // Given a run interrupted after epoch 2 and resumed in a fresh trainer
        string interrupted = Path.Combine(_folder, "interrupted");
        Directory.CreateDirectory(interrupted);
        var first = Build(interrupted, epochs: 4, out _);
        first.Extend(new StopAtEpoch(2));
        first.Run();
        Assert.True(File.Exists(Path.Combine(interrupted, Snapshot.FolderName, SnapshotFiles.Manifest)));
        Assert.False(Directory.Exists(Path.Combine(interrupted, Snapshot.FolderName + ".tmp")));
        var resumed = Build(interrupted, epochs: 4, out var resumedBest);
        new Snapshot(interrupted).Restore(resumed);
        resumed.Run();

        // And one never interrupted
        string straight = Path.Combine(_folder, "straight");
        Directory.CreateDirectory(straight);
        var whole = Build(straight, epochs: 4, out var wholeBest);
        whole.Run();

        // Then the logs agree but for the clock, and so does the best model
        static IEnumerable<string> Entries(string folder) => LogReport.Parse(File.ReadAllText(Path.Combine(folder, "log")))
            .Select(e => string.Join(",", e.Where(kv => kv.Key != ObservationKeys.ElapsedTime).OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal(Entries(straight), Entries(interrupted));
        Assert.Equal((wholeBest.BestEpoch, wholeBest.BestAccuracy), (resumedBest.BestEpoch, resumedBest.BestAccuracy));
        Assert.Equal(4, resumed.Updater.Epoch);
    }

    private static Trainer Build(string folder, int epochs, out BestModel best)
    {
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 3), epochs);
        var log = new LogReport(Path.Combine(folder, "log"));
        best = new BestModel(_ => { }, Path.Combine(folder, "best"));
        trainer.Extend(new FixedEvaluator(0.5, 0.8, 0.6, 0.7));
        trainer.Extend(log);
        trainer.Extend(best);
        trainer.Extend(new Snapshot(folder));
        return trainer;
    }

    private sealed class RateProbe(TrainingOptimizer optimizer, List<double> rates) : ITrainerExtension
    {
        public void Run(Trainer trainer) => rates.Add(optimizer.Optimizer.ParamGroups.First().LearningRate);
    }
}
