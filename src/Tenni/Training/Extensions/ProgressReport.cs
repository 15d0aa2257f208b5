using System.Diagnostics;

namespace Tenni.Training.Extensions;

/// <summary>Training progress as plain lines (at most one every few seconds, plus each epoch's end), readable in CI logs.</summary>
public sealed class ProgressReport(TextWriter output, double intervalSeconds = 5) : ITrainerExtension
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _last = double.NegativeInfinity;

    public ITrigger Trigger => IntervalTrigger.Iterations(1);

    public void Run(Trainer trainer)
    {
        double now = _clock.Elapsed.TotalSeconds;
        var updater = trainer.Updater;
        if (now - _last < intervalSeconds && !updater.IsNewEpoch)
        {
            return;
        }

        _last = now;
        long total = trainer.TotalIterations;
        long epochs = (total + updater.IterationsPerEpoch - 1) / Math.Max(updater.IterationsPerEpoch, 1);
        output.WriteLine($"train: epoch {updater.Epoch}/{epochs}, iteration {updater.Iteration}/{total} ({100.0 * updater.Iteration / Math.Max(total, 1):F0}%), {trainer.ElapsedTime:F1} s");
    }
}
