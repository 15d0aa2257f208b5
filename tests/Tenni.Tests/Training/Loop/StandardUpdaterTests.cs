using Tenni.Training;
using Tenni.Training.Extensions;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Training.Loop;

/// <summary>The real updater and evaluator on a two-parameter model: real libtorch steps, no source model.</summary>
[Collection(TorchCollection.Name)]
public sealed class StandardUpdaterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-updater").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Train_SeparableLine_LearnsIt()
    {
        using var model = new TwoParameterModel();
        var trainer = new Trainer(new StandardUpdater(model, new LineBatchSource(64, 16), optim.Adam(model.Parameters, 0.1), seed: 1), epochs: 30);
        var evaluator = new Evaluator(model, new LineBatchSource(64, 64, seed: 7));
        var log = new LogReport(Path.Combine(_folder, "log"));
        trainer.Extend(evaluator);
        trainer.Extend(log);

        var (lossBefore, _) = evaluator.Evaluate();
        trainer.Run();

        var last = log.Entries[^1];
        Assert.Equal(1.0, last[ObservationKeys.ValidationAccuracy]);
        Assert.True(last[ObservationKeys.ValidationLoss] < lossBefore / 2, $"loss {lossBefore} → {last[ObservationKeys.ValidationLoss]}");
        Assert.Equal(30 * 4, trainer.Updater.Iteration);
        Assert.False(model.Training); // the evaluator ran last, in evaluation mode
    }

    [Fact]
    public void SnapshotAndRestore_ResumedRunEndsWithTheSameParametersAsAnUninterruptedOne()
    {
        float[] straight = TrainTwoParameters(Path.Combine(_folder, "a"), interruptAfter: null);
        float[] resumed = TrainTwoParameters(Path.Combine(_folder, "b"), interruptAfter: 2);

        Assert.Equal(straight, resumed);
    }

    [Fact]
    public void SnapshotEveryTwoIterations_InterruptedMidEpoch_ResumesAtThatIteration()
    {
        string straightFolder = Path.Combine(_folder, "straight");
        string interruptedFolder = Path.Combine(_folder, "mid");
        Directory.CreateDirectory(straightFolder);
        Directory.CreateDirectory(interruptedFolder);
        Trainer Build(TwoParameterModel model, string folder)
        {
            // 3 batches per epoch, snapshots at iterations 2, 4, 6, …: most fall inside an epoch.
            var trainer = new Trainer(new StandardUpdater(model, new LineBatchSource(24, 8), optim.Adam(model.Parameters, 0.05), seed: 3), epochs: 3);
            trainer.Extend(new Snapshot(folder), IntervalTrigger.Iterations(2));
            return trainer;
        }

        using var straight = new TwoParameterModel(0.3f, 0.1f);
        Build(straight, straightFolder).Run();
        using (var first = new TwoParameterModel(0.3f, 0.1f))
        {
            var interrupted = Build(first, interruptedFolder);
            interrupted.Extend(new StopAtIteration(5));
            interrupted.Run();
        }

        using var model = new TwoParameterModel(0.3f, 0.1f);
        var resumed = Build(model, interruptedFolder);
        new Snapshot(interruptedFolder).Restore(resumed);
        Assert.Equal(4, resumed.Updater.Iteration); // the last snapshot before the interruption
        resumed.Run();

        Assert.Equal(9, resumed.Updater.Iteration);
        Assert.Equal([straight.W.item<float>(), straight.B.item<float>()], [model.W.item<float>(), model.B.item<float>()]);
    }

    [Fact]
    public void Restore_AnotherOptimizer_RefusedNamingBoth()
    {
        string folder = Path.Combine(_folder, "run");
        Directory.CreateDirectory(folder);
        using (var model = new TwoParameterModel())
        {
            var trainer = new Trainer(new StandardUpdater(model, new LineBatchSource(8, 4), optim.Adam(model.Parameters, 0.1), seed: 1), epochs: 1);
            trainer.Extend(new Snapshot(folder));
            trainer.Run();
        }

        using var other = new TwoParameterModel();
        var sgd = new Trainer(new StandardUpdater(other, new LineBatchSource(8, 4), optim.SGD(other.Parameters, 0.1), seed: 1), epochs: 2);

        var error = Assert.Throws<TenniException>(() => new Snapshot(folder).Restore(sgd));

        Assert.Contains("taken with optimizer Adam, this run uses SGD", error.Message);
    }

    private static float[] TrainTwoParameters(string folder, int? interruptAfter)
    {
        Directory.CreateDirectory(folder);
        Trainer Build(TwoParameterModel model)
        {
            var trainer = new Trainer(new StandardUpdater(model, new LineBatchSource(24, 8), optim.Adam(model.Parameters, 0.05), seed: 3), epochs: 4);
            trainer.Extend(new Snapshot(folder));
            return trainer;
        }

        using var model = new TwoParameterModel(0.3f, 0.1f);
        if (interruptAfter is int stop)
        {
            using var first = new TwoParameterModel(0.3f, 0.1f);
            var interrupted = Build(first);
            interrupted.Extend(new StopAtEpoch(stop));
            interrupted.Run();
            var resumed = Build(model);
            new Snapshot(folder).Restore(resumed);
            resumed.Run();
        }
        else
        {
            Build(model).Run();
        }

        return [model.W.item<float>(), model.B.item<float>()];
    }

    private sealed class StopAtIteration(long iteration) : ITrainerExtension
    {
        public ITrigger Trigger => IntervalTrigger.Iterations(1);

        public void Run(Trainer trainer)
        {
            if (trainer.Updater.Iteration >= iteration)
            {
                trainer.RequestStop();
            }
        }
    }
}
