using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>snapshot_object(model, ...)</c> under a <see cref="MaxValueTrigger"/>: saves the model
/// to <see cref="Folder"/> whenever its trigger fires, by default when validation accuracy is the best so
/// far (ties keep the earlier), and remembers that epoch and its observation.
/// </summary>
public sealed class BestModel(Action<string> save, string folder) : ITrainerExtension, ISnapshotState
{
    public ITrigger Trigger => new MaxValueTrigger(ObservationKeys.ValidationAccuracy);

    public string Folder { get; } = folder;

    /// <summary>Validation accuracy of the saved model; negative infinity before the first save.</summary>
    public double BestAccuracy { get; private set; } = double.NegativeInfinity;

    /// <summary>The epoch after which the saved model was taken; 0 before the first save.</summary>
    public int BestEpoch { get; private set; }

    public void Run(Trainer trainer)
    {
        BestAccuracy = trainer.Observation.TryGetValue(ObservationKeys.ValidationAccuracy, out double accuracy) ? accuracy : double.NaN;
        BestEpoch = trainer.Updater.Epoch;
        Directory.CreateDirectory(Folder);
        save(Folder);
    }

    public JsonObject Save(string folder) => new()
    {
        ["best_accuracy"] = double.IsFinite(BestAccuracy) ? BestAccuracy : null,
        ["best_epoch"] = BestEpoch,
    };

    public void Restore(JsonObject state, string folder)
    {
        var fields = JsonFields.Wrap(state, Path.Combine(folder, SnapshotFiles.State));
        BestAccuracy = fields.OptionalDouble("best_accuracy", 0, 1) ?? double.NegativeInfinity;
        BestEpoch = fields.Int("best_epoch", 0, int.MaxValue);
    }
}
