namespace Tenni.Training.Extensions;

/// <summary>Stops training when validation accuracy has not improved for <paramref name="patience"/> log entries (epochs).</summary>
public sealed class EarlyStopping(LogReport log, int patience, TextWriter output) : ITrainerExtension
{
    public void Run(Trainer trainer)
    {
        var accuracies = log.Entries.Select(e => e.GetValueOrDefault(ObservationKeys.ValidationAccuracy, double.NaN)).ToList();
        if (accuracies.Count == 0)
        {
            return;
        }

        int best = accuracies.IndexOf(accuracies.Max());
        if (accuracies.Count - 1 - best >= patience)
        {
            output.WriteLine($"early stopping: validation accuracy has not improved for {patience} epochs (best {accuracies[best]:0.####} at epoch {best + 1})");
            trainer.RequestStop();
        }
    }
}
