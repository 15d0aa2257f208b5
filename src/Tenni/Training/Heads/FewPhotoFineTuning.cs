using System.Globalization;
using System.Text.Json.Nodes;
using Tenni.IO;
using Tenni.Training.Extensions;

namespace Tenni.Training;

/// <summary>
/// Fine-tuning source layers on few photos (issue 19, item 4), as <see cref="HeadSolver.Auto"/> runs it when
/// <c>--train-layers</c> meets a small or many-class dataset: (1) the head is fitted to convergence first
/// (<see cref="HeadWarmStart"/>), and that model, evaluated on the validation photos, is the baseline,
/// saved as a model folder (<see cref="FolderName"/>) so that a resumed run still has it; (2) the layers
/// and the head then train with the chapter's optimizer and rate for the layers, the head at 1× (it
/// starts converged: 10× would pull it away from its optimum), the best epoch chosen on validation loss
/// (accuracy moves in steps of one photo), stopping after <see cref="DefaultPatience"/> epochs without a
/// lower loss; (3) the saved model, and <c>best/</c>, are the best epoch, or the baseline if no epoch beat
/// it: fine-tuning can only help on the validation photos, never make them worse.
/// </summary>
internal sealed class FewPhotoFineTuning
{
    /// <summary>Epochs without a lower validation loss before stopping, unless <c>--early-stopping</c> says otherwise.</summary>
    public const int DefaultPatience = 5;

    /// <summary>The run's sub-folder holding the baseline model (predictable with <c>--run RUN/warm-start</c>).</summary>
    public const string FolderName = "warm-start";

    private const string BaselineFile = "baseline.json";

    private FewPhotoFineTuning(string folder, HeadTraining head, double loss, double accuracy)
    {
        Folder = folder;
        Head = head;
        BaselineLoss = loss;
        BaselineAccuracy = accuracy;
    }

    public string Folder { get; }

    /// <summary>How the baseline's head was fitted (L-BFGS over the training photos).</summary>
    public HeadTraining Head { get; }

    /// <summary>What <c>model.json</c> records when a fine-tuned epoch is kept.</summary>
    public HeadTraining FineTuned => Head with { Solver = HeadSolver.Gradient, WarmStart = true };

    public double BaselineLoss { get; }

    public double BaselineAccuracy { get; }

    /// <summary>The settings of stage 2: the head at the layers' rate.</summary>
    public static TrainOptions Settings(TrainOptions options) => options with { HeadLearningRateScale = 1 };

    /// <summary>Stage 1: the converged head, saved with its validation loss and accuracy as the baseline.</summary>
    public static FewPhotoFineTuning Start(ClassifierModel model, TrainingBatches batches, IReadOnlyList<string> classes, TrainOptions options, IReadOnlyList<double>? classWeights, string runFolder, TextWriter output)
    {
        var head = HeadWarmStart.Fit(model, batches, options, classWeights, output);
        var (loss, accuracy) = new Evaluator(model, batches.Validation).Evaluate();
        string folder = Path.Combine(runFolder, FolderName);
        Directory.CreateDirectory(folder);
        TrainedModelFile.Save(folder, model, classes, head);
        AtomicFile.WriteAllText(Path.Combine(folder, BaselineFile), new JsonObject { ["validation_loss"] = loss, ["validation_accuracy"] = accuracy }.ToJsonString());
        output.WriteLine($"fine-tune: baseline (epoch 0, the converged head, in {FolderName}/): validation loss {loss:0.####}, accuracy {accuracy:0.####}; {string.Join(", ", options.TrainLayers)} and the head now train at {options.LearningRate.ToString("G3", CultureInfo.InvariantCulture)} (head 1×), the best epoch by validation loss kept, stopping after {options.EarlyStoppingPatience ?? DefaultPatience} epochs without a lower one");
        return new FewPhotoFineTuning(folder, head, loss, accuracy);
    }

    /// <summary>The baseline of a run being resumed, as <see cref="Start"/> saved it.</summary>
    public static FewPhotoFineTuning Resume(string runFolder)
    {
        string folder = Path.Combine(runFolder, FolderName);
        var head = TrainedModelFile.Read(folder).Training
            ?? throw new TenniException($"'{folder}' holds no head_training in its model.json; {TrainedModelFile.Damaged}");
        var baseline = JsonFields.Read(Path.Combine(folder, BaselineFile), TrainedModelFile.Damaged);
        return new FewPhotoFineTuning(folder, head, baseline.Double("validation_loss", 0, double.MaxValue), baseline.Double("validation_accuracy", 0, 1));
    }

    /// <summary>
    /// Stage 3: leaves the better of the baseline and the best trained epoch in <paramref name="model"/>
    /// and in <paramref name="best"/>'s folder; returns how the saved head was trained, and false as
    /// <c>FineTuned</c> when that is the baseline.
    /// </summary>
    public (HeadTraining Head, bool FineTunedKept) Finish(ClassifierModel model, IReadOnlyList<string> classes, LogReport log, BestModel best, TextWriter output)
    {
        var losses = log.Entries.Select(e => e.GetValueOrDefault(ObservationKeys.ValidationLoss, double.NaN)).Where(double.IsFinite).ToList();
        double bestLoss = losses.DefaultIfEmpty(double.PositiveInfinity).Min();
        if (bestLoss < BaselineLoss)
        {
            model.LoadStateFrom(Path.Combine(best.Folder, TrainedModelFile.WeightsName));
            output.WriteLine($"fine-tune: kept epoch {best.BestEpoch} (validation loss {bestLoss:0.####} against the converged head's {BaselineLoss:0.####}; accuracy {best.BestAccuracy:0.####} against {BaselineAccuracy:0.####})");
            return (FineTuned, true);
        }

        model.LoadStateFrom(Path.Combine(Folder, TrainedModelFile.WeightsName));
        Directory.CreateDirectory(best.Folder);
        TrainedModelFile.Save(best.Folder, model, classes, Head);
        output.WriteLine($"note: fine-tuning did not lower the validation loss of the converged head ({bestLoss:0.####} at best against {BaselineLoss:0.####}): the saved model (and best/) is that head on the layers as loaded; without --train-layers the head alone is fitted on every photo (docs/training.md)");
        return (Head, false);
    }
}
