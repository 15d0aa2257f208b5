using System.Diagnostics;

namespace Tenni.Training.Extensions;

/// <summary>
/// Training progress: plain lines (at most one every few seconds, plus each epoch's end), readable in CI
/// logs; or, given <paramref name="live"/>, every iteration to a live display (a terminal's progress bar).
/// </summary>
public sealed class ProgressReport(TextWriter output, double intervalSeconds = 5, IProgress<TrainingProgress>? live = null) : ITrainerExtension
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _last = double.NegativeInfinity;

    public ITrigger Trigger => IntervalTrigger.Iterations(1);

    public void Run(Trainer trainer)
    {
        double now = _clock.Elapsed.TotalSeconds;
        var updater = trainer.Updater;
        long total = trainer.TotalIterations;
        int epochs = (int)((total + updater.IterationsPerEpoch - 1) / Math.Max(updater.IterationsPerEpoch, 1));
        if (live is not null)
        {
            live.Report(new TrainingProgress(updater.Epoch, epochs, updater.Iteration, total, updater.IterationsPerEpoch, trainer.ElapsedTime));
            return;
        }

        if (now - _last < intervalSeconds && !updater.IsNewEpoch)
        {
            return;
        }

        _last = now;
        output.WriteLine($"train: epoch {updater.Epoch}/{epochs}, iteration {updater.Iteration}/{total} ({100.0 * updater.Iteration / Math.Max(total, 1):F0}%), {trainer.ElapsedTime:F1} s");
    }
}
