using Tenni.Tests.Support;
using Tenni.Tests.Training.Loop;
using Tenni.Training;
using Tenni.Training.Extensions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tenni.Tests.Training.Heads;

/// <summary>The L-BFGS head inside the unchanged trainer: one epoch per L2 strength scored on held-out photos (validation split or K folds), the best calibrated loss kept; no source model.</summary>
[Collection(TorchCollection.Name)]
public sealed class LbfgsUpdaterTests : IDisposable
{
    private static readonly double[] Grid = [1, 0.1, 0.01, 0.001];
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-lbfgs").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Run_OneLogEntryPerStrength_BestModelKeepsTheLowestCalibratedValidationLoss()
    {
        using var head = new LinearHead(4, 3);
        var (trainer, log, best, _) = Build(head, Path.Combine(_folder, "a"));

        trainer.Run();

        Assert.Equal(Grid, log.Entries.Select(e => e[ObservationKeys.L2]));
        Assert.All(log.Entries, e => Assert.True(e[ObservationKeys.SolverIterations] >= 1));
        Assert.All(log.Entries, e => Assert.InRange(e[ObservationKeys.Temperature], Calibration.MinScale, 1 / Calibration.MinScale));
        Assert.Equal(Grid.Length, trainer.Updater.Epoch);
        var losses = log.Entries.Select(e => e[ObservationKeys.ValidationLoss]).ToList();
        Assert.Equal(losses.IndexOf(losses.Min()) + 1, best.BestEpoch);
        Assert.True(log.Entries[^1][ObservationKeys.Accuracy] >= 0.9, "three separated blobs are fitted");
        Assert.True(File.Exists(Path.Combine(best.Folder, "saved")));
    }

    [Fact]
    public void Run_WeakerPenalty_LargerWeights_AndTrainingLossFalls()
    {
        using var head = new LinearHead(4, 3);
        var norms = new List<double>();
        var losses = new List<double>();
        var (trainer, _, _, updater) = Build(head, Path.Combine(_folder, "b"));
        var training = Blobs(30, seed: 1).Source;
        trainer.Extend(new Probe(() => // the fit as solved: the head without its temperature
        {
            using (no_grad())
            {
                head.Linear.weight!.mul_(updater.CurrentTemperature);
                head.Linear.bias!.mul_(updater.CurrentTemperature);
            }

            norms.Add(head.Linear.weight!.norm().item<float>());
            losses.Add(new Evaluator(head, training).Evaluate().Loss);
        }), IntervalTrigger.Epochs(1));

        trainer.Run();

        Assert.True(norms.Zip(norms.Skip(1)).All(p => p.Second > p.First), string.Join(", ", norms));
        Assert.True(losses.Zip(losses.Skip(1)).All(p => p.Second < p.First), string.Join(", ", losses));
    }

    [Fact]
    public void SnapshotAfterTwoStrengths_Resumed_EndsWithTheSameHeadAsUninterrupted()
    {
        using var straight = new LinearHead(4, 3);
        string straightFolder = Path.Combine(_folder, "straight");
        var (whole, _, wholeBest, _) = Build(straight, straightFolder);
        whole.Extend(new Snapshot(straightFolder));
        whole.Run();

        string folder = Path.Combine(_folder, "resumed");
        using (var first = new LinearHead(4, 3))
        {
            var (interrupted, _, _, _) = Build(first, folder);
            interrupted.Extend(new Snapshot(folder));
            interrupted.Extend(new StopAtEpoch(2));
            interrupted.Run();
        }

        using var head = new LinearHead(4, 3);
        var (resumed, _, resumedBest, _) = Build(head, folder);
        var snapshot = new Snapshot(folder);
        resumed.Extend(snapshot);
        snapshot.Restore(resumed);
        resumed.Run();

        Assert.Equal(straight.Linear.weight!.data<float>().ToArray(), head.Linear.weight!.data<float>().ToArray());
        Assert.Equal(wholeBest.BestEpoch, resumedBest.BestEpoch);
    }

    [Fact]
    public void Refit_AddsTheValidationPhotos_AndMovesTheHead()
    {
        using var head = new LinearHead(4, 3);
        var (trainer, _, _, updater) = Build(head, Path.Combine(_folder, "c"));
        trainer.Run();
        float[] before = head.Linear.weight!.data<float>().ToArray();

        int photos = updater.Refit(Grid[^1], updater.CurrentTemperature);

        Assert.Equal(45, photos);
        Assert.NotEqual(before, head.Linear.weight!.data<float>().ToArray());
    }

    [Fact]
    public void Run_Temperature_IsFoldedIntoTheHead_AndLowersTheHeldOutLossWithoutChangingItsAccuracy()
    {
        using var head = new LinearHead(4, 3);
        var (trainer, log, _, updater) = Build(head, Path.Combine(_folder, "t"));
        trainer.Run();
        var validation = Blobs(15, seed: 2).Source;
        var (scaledLoss, scaledAccuracy) = new Evaluator(head, validation).Evaluate();

        using (no_grad())
        {
            head.Linear.weight!.mul_(updater.CurrentTemperature);
            head.Linear.bias!.mul_(updater.CurrentTemperature);
        }

        var (rawLoss, rawAccuracy) = new Evaluator(head, validation).Evaluate();
        Assert.Equal(log.Entries[^1][ObservationKeys.ValidationLoss], scaledLoss, 4);
        Assert.Equal(rawAccuracy, scaledAccuracy);
        Assert.True(scaledLoss < rawLoss, $"calibrated {scaledLoss}, as fitted {rawLoss}");
    }

    [Fact]
    public void CrossValidated_FitsTheHeadOnEveryPhoto_AndScoresOutOfFold()
    {
        using var head = new LinearHead(4, 3);
        var (trainer, log, best, updater) = Build(head, Path.Combine(_folder, "cv"), folds: 3);

        trainer.Run();

        Assert.Equal(45, updater.FittedPhotos);
        Assert.Equal(3, updater.FoldCount);
        var losses = log.Entries.Select(e => e[ObservationKeys.ValidationLoss]).ToList();
        Assert.Equal(losses.IndexOf(losses.Min()) + 1, best.BestEpoch);
        // The head's own fit is on all 45 photos: the same problem solved directly gives the same head, scaled.
        using var all = Stack(Blobs(30, seed: 1).Source, Blobs(15, seed: 2).Source);
        var direct = LogisticRegression.Fit(all.Features, all.Labels, 3, Grid[^1]);
        float[] expected = (direct.Weight / updater.CurrentTemperature).data<float>().ToArray();
        float[] actual = head.Linear.weight!.data<float>().ToArray();
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, 2e-3));
        Assert.Throws<InvalidOperationException>(() => updater.Refit(Grid[^1], 1));
    }

    [Fact]
    public void CrossValidated_SnapshotResumed_EndsWithTheSameHeadAsUninterrupted()
    {
        using var straight = new LinearHead(4, 3);
        var (whole, _, _, _) = Build(straight, Path.Combine(_folder, "cv-straight"), folds: 3);
        whole.Run();

        string folder = Path.Combine(_folder, "cv-resumed");
        using (var first = new LinearHead(4, 3))
        {
            var (interrupted, _, _, _) = Build(first, folder, folds: 3);
            interrupted.Extend(new Snapshot(folder));
            interrupted.Extend(new StopAtEpoch(2));
            interrupted.Run();
        }

        using var head = new LinearHead(4, 3);
        var (resumed, _, _, _) = Build(head, folder, folds: 3);
        var snapshot = new Snapshot(folder);
        resumed.Extend(snapshot);
        snapshot.Restore(resumed);
        resumed.Run();

        Assert.Equal(straight.Linear.weight!.data<float>().ToArray(), head.Linear.weight!.data<float>().ToArray());
    }

    private static DisposableStack Stack(BatchSource first, BatchSource second)
    {
        var (a, y) = LbfgsUpdater.Collect(first);
        var (b, z) = LbfgsUpdater.Collect(second);
        return new DisposableStack(cat([a, b]), cat([y, z]));
    }

    private sealed record DisposableStack(Tensor Features, Tensor Labels) : IDisposable
    {
        public void Dispose()
        {
            Features.Dispose();
            Labels.Dispose();
        }
    }

    private (Trainer Trainer, LogReport Log, BestModel Best, LbfgsUpdater Updater) Build(LinearHead head, string folder, int folds = 0)
    {
        Directory.CreateDirectory(folder);
        var updater = new LbfgsUpdater(head, head.Linear, LbfgsUpdater.Collect(Blobs(30, seed: 1).Source), LbfgsUpdater.Collect(Blobs(15, seed: 2).Source), Grid, folds);
        var trainer = new Trainer(updater, Grid.Length, folder);
        var log = new LogReport(Path.Combine(folder, "log"));
        var best = new BestModel(f => File.WriteAllText(Path.Combine(f, "saved"), ""), Path.Combine(folder, "best"));
        trainer.Extend(log);
        trainer.Extend(best, new MinValueTrigger(ObservationKeys.ValidationLoss));
        return (trainer, log, best, updater);
    }

    /// <summary>Three Gaussian blobs in four dimensions, <paramref name="count"/> points, labels 0–2.</summary>
    private static (BatchSource Source, int Count) Blobs(int count, int seed)
    {
        var random = new Random(seed);
        float[] x = new float[count * 4];
        long[] y = new long[count];
        for (int i = 0; i < count; i++)
        {
            y[i] = i % 3;
            for (int d = 0; d < 4; d++)
            {
                double gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                x[(i * 4) + d] = (float)((d == y[i] ? 2.0 : 0.0) + (0.7 * gaussian));
            }
        }

        return (new MemoryBatchSource(x, y, 4, batchSize: 8), count);
    }

    private sealed class Probe(Action action) : ITrainerExtension
    {
        public int Priority => -300;

        public void Run(Trainer trainer) => action();
    }

    /// <summary>A linear head alone, as the loop sees a classifier whose source is cached away.</summary>
    private sealed class LinearHead(int features, int classes) : ITrainableModel, IDisposable
    {
        public Linear Linear { get; } = nn.Linear(features, classes);

        public void Train(bool training) => Linear.train(training);

        public Tensor Logits(string tensorName, Tensor input) => Linear.forward(input);

        public IEnumerable<(string Name, Tensor Value)> TrainableState() => [("head.weight", Linear.weight!), ("head.bias", Linear.bias!)];

        public void LoadState(IReadOnlyDictionary<string, Tensor> state)
        {
            using var noGrad = no_grad();
            Linear.weight!.copy_(state["head.weight"]);
            Linear.bias!.copy_(state["head.bias"]);
        }

        public void Dispose() => Linear.Dispose();
    }

    private sealed class MemoryBatchSource(float[] x, long[] y, int width, int batchSize) : BatchSource
    {
        public override string TensorName => "features";

        public override int Count => y.Length;

        public override int BatchCount => (y.Length + batchSize - 1) / batchSize;

        public override IEnumerable<(Tensor Input, Tensor Labels)> Epoch(int epoch)
        {
            for (int start = 0; start < y.Length; start += batchSize)
            {
                int n = Math.Min(batchSize, y.Length - start);
                yield return (tensor(x[(start * width)..((start + n) * width)], [n, width]).DetachFromDisposeScope(), tensor(y[start..(start + n)]).DetachFromDisposeScope());
            }
        }
    }
}
