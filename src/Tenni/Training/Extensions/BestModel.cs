using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>Keeps the model with the best validation accuracy so far in <c>best/model.safetensors</c> (ties keep the earlier).</summary>
public sealed class BestModel(ClassifierModel model, string runFolder, Action<string> writeDescription) : ITrainerExtension
{
    public string Name => "BestModel";

    public int Priority => ExtensionPriority.Reader;

    public double BestAccuracy { get; set; } = double.NegativeInfinity;

    public int BestEpoch { get; set; }

    public string Folder => Path.Combine(runFolder, "best");

    public bool ShouldRun(Trainer trainer) => trainer.Updater.IsNewEpoch;

    public void Run(Trainer trainer)
    {
        double accuracy = trainer.Observation.GetValueOrDefault("validation/main/accuracy", double.NaN);
        if (!(accuracy > BestAccuracy))
        {
            return;
        }

        BestAccuracy = accuracy;
        BestEpoch = trainer.Updater.Epoch;
        Directory.CreateDirectory(Folder);
        TensorFile.Save(Path.Combine(Folder, "model.safetensors"), model.TrainableState());
        writeDescription(Folder);
    }
}
