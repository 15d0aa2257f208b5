using Tenni.Training.Extensions;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// Fine-tuning source layers on few photos (issue 19, item 4), as <see cref="HeadSolver.Auto"/> runs it when
/// <c>--train-layers</c> meets a small or many-class dataset: (1) the head is fitted to convergence first
/// (<see cref="HeadWarmStart"/>), and that model, evaluated on the validation photos, is the baseline;
/// (2) the layers and the head then train with the chapter's optimizer and rate for the layers, the
/// head at 1× (it starts converged: 10× would pull it away from its optimum), the best epoch chosen on
/// validation loss (accuracy moves in steps of one photo), stopping after
/// <see cref="DefaultPatience"/> epochs without a better loss; (3) the saved model is the best epoch, or
/// the baseline if no epoch beat it: fine-tuning can only help on the validation photos, never make them worse.
/// </summary>
internal sealed class FewPhotoFineTuning : IDisposable
{
    /// <summary>Epochs without a lower validation loss before stopping, unless <c>--early-stopping</c> says otherwise.</summary>
    public const int DefaultPatience = 5;

    private readonly List<(string Name, Tensor Value)> _baseline;

    private FewPhotoFineTuning(HeadTraining head, double loss, double accuracy, List<(string Name, Tensor Value)> baseline)
    {
        Head = head;
        BaselineLoss = loss;
        BaselineAccuracy = accuracy;
        _baseline = baseline;
    }

    public HeadTraining Head { get; }

    public double BaselineLoss { get; }

    public double BaselineAccuracy { get; }

    /// <summary>The settings of stage 2: the head at the layers' rate.</summary>
    public static TrainOptions Settings(TrainOptions options) => options with { HeadLearningRateScale = 1 };

    /// <summary>Stage 1: the converged head, and its validation loss and accuracy as the baseline.</summary>
    public static FewPhotoFineTuning Start(ClassifierModel model, TrainingBatches batches, TrainOptions options, TextWriter output)
    {
        var head = HeadWarmStart.Fit(model, batches, options, output);
        var (loss, accuracy) = new Evaluator(model, batches.Validation).Evaluate();
        var baseline = model.TrainableState().Select(s => (s.Name, s.Value.detach().clone().DetachFromDisposeScope())).ToList();
        output.WriteLine($"fine-tune: baseline (epoch 0, the converged head): validation loss {loss:0.####}, accuracy {accuracy:0.####}; {string.Join(", ", options.TrainLayers)} and the head now train at {options.LearningRate:G3} (head 1×), the best epoch by validation loss kept, stopping after {options.EarlyStoppingPatience ?? DefaultPatience} epochs without a lower one");
        return new FewPhotoFineTuning(head, loss, accuracy, baseline);
    }

    /// <summary>Stage 3: leaves the best of the baseline and the trained epochs in <paramref name="model"/>; false when that is the baseline.</summary>
    public bool Finish(ClassifierModel model, LogReport log, BestModel best, TextWriter output)
    {
        var losses = log.Entries.Select(e => e.GetValueOrDefault(ObservationKeys.ValidationLoss, double.NaN)).ToList();
        double bestLoss = losses.Where(double.IsFinite).DefaultIfEmpty(double.PositiveInfinity).Min();
        if (bestLoss < BaselineLoss)
        {
            model.LoadStateFrom(Path.Combine(best.Folder, TrainedModelFile.WeightsName));
            output.WriteLine($"fine-tune: kept epoch {best.BestEpoch} (validation loss {bestLoss:0.####} against the converged head's {BaselineLoss:0.####}; accuracy {best.BestAccuracy:0.####} against {BaselineAccuracy:0.####})");
            return true;
        }

        model.LoadState(_baseline.ToDictionary(s => s.Name, s => s.Value));
        output.WriteLine($"note: fine-tuning did not lower the validation loss of the converged head ({bestLoss:0.####} at best against {BaselineLoss:0.####}): the saved model is that head on the layers as loaded; without --train-layers the head alone is fitted on every photo (docs/training.md)");
        return false;
    }

    public void Dispose()
    {
        foreach (var (_, value) in _baseline)
        {
            value.Dispose();
        }
    }
}
