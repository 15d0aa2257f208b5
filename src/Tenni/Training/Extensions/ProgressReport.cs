using System.Diagnostics;

namespace Tenni.Training.Extensions;

/// <summary>Training progress as plain lines (at most one every few seconds, plus each epoch's end), readable in CI logs.</summary>
public sealed class ProgressReport(TextWriter output, double intervalSeconds = 5) : ITrainerExtension
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _last = double.NegativeInfinity;

    public string Name => "ProgressReport";

    public int Priority => ExtensionPriority.Reader;

    public bool ShouldRun(Trainer trainer) => true;

    public void Run(Trainer trainer)
    {
        double now = _clock.Elapsed.TotalSeconds;
        if (now - _last < intervalSeconds && !trainer.Updater.IsNewEpoch)
        {
            return;
        }

        _last = now;
        long total = (long)trainer.Epochs * trainer.Updater.IterationsPerEpoch;
        output.WriteLine($"train: epoch {trainer.Updater.Epoch}/{trainer.Epochs}, iteration {trainer.Updater.Iteration}/{total} ({100.0 * trainer.Updater.Iteration / Math.Max(total, 1):F0}%), {trainer.ElapsedTime:F1} s");
    }
}
