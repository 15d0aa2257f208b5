namespace Tenni.Training.Extensions;

/// <summary>
/// Stops training when <paramref name="key"/> (by default validation accuracy, higher is better) has not
/// improved for <paramref name="patience"/> log entries (epochs).
/// </summary>
public sealed class EarlyStopping(LogReport log, int patience, TextWriter output, string key = ObservationKeys.ValidationAccuracy, bool higherIsBetter = true) : ITrainerExtension
{
    public void Run(Trainer trainer)
    {
        var values = log.Entries.Select(e => e.GetValueOrDefault(key, double.NaN)).ToList();
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return;
        }

        double bestValue = higherIsBetter ? finite.Max() : finite.Min();
        int best = values.IndexOf(bestValue);
        if (values.Count - 1 - best >= patience)
        {
            string name = key == ObservationKeys.ValidationAccuracy ? "validation accuracy" : key == ObservationKeys.ValidationLoss ? "validation loss" : key;
            output.WriteLine($"early stopping: {name} has not improved for {patience} epochs (best {bestValue:0.####} at epoch {best + 1})");
            trainer.RequestStop();
        }
    }
}
