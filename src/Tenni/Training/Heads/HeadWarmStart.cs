using Tenni.Training.Extensions;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// The first stage of fine-tuning source layers on few photos (fastai's <c>fine_tune</c>: the head
/// first, frozen body, then everything): the head is fitted to convergence by L-BFGS on what the
/// layers to be trained output as loaded, so that their first gradient steps follow a sensible head
/// instead of a random one (whose large, arbitrary gradients would wreck the pretrained features on
/// a handful of photos). Its strength is chosen by cross-validation over the training photos alone:
/// the validation photos stay unseen, for early stopping of the second stage.
/// </summary>
internal static class HeadWarmStart
{
    /// <summary>Fits <paramref name="model"/>'s head in place; returns what it chose.</summary>
    public static HeadTraining Fit(ClassifierModel model, TrainingBatches batches, TrainOptions options, IReadOnlyList<double>? classWeights, TextWriter output)
    {
        using var scope = NewDisposeScope();
        var train = HeadInputs(model, batches.Train);
        int folds = options.Folds is >= 2 and int asked ? asked : CrossValidationFolds.Automatic(train.Labels.data<long>().ToArray().GroupBy(l => l).Select(g => g.Count()));
        var none = (zeros(0, train.Features.shape[1]), zeros(0, dtype: ScalarType.Int64));
        using var solver = new LbfgsUpdater(model, model.Head, train, none, options.L2Grid, folds, options.Seed, classWeights);
        using var noGrad = no_grad();
        var (bestWeight, bestBias) = (model.Head.weight!.detach().clone(), model.Head.bias!.detach().clone());
        var best = new Dictionary<string, double> { [ObservationKeys.ValidationLoss] = double.PositiveInfinity };
        foreach (double _ in options.L2Grid)
        {
            var observation = new Dictionary<string, double>();
            solver.Update(observation);
            if (observation[ObservationKeys.ValidationLoss] < best[ObservationKeys.ValidationLoss])
            {
                best = observation;
                bestWeight.copy_(model.Head.weight!);
                bestBias.copy_(model.Head.bias!);
            }
        }

        model.Head.weight!.copy_(bestWeight);
        model.Head.bias!.copy_(bestBias);

        output.WriteLine($"head: first fitted by L-BFGS on the {train.Labels.shape[0]} training photos' features with {string.Join(", ", options.TrainLayers)} as loaded: l2 = {best[ObservationKeys.L2]:G3} by {folds}-fold cross-validation (held-out accuracy {best[ObservationKeys.ValidationAccuracy]:0.####}, loss {best[ObservationKeys.ValidationLoss]:0.####} at temperature {best[ObservationKeys.Temperature]:0.###})");
        return new HeadTraining(HeadSolver.Lbfgs, best[ObservationKeys.L2], Refit: false, folds, best[ObservationKeys.Temperature]);
    }

    // The head's input for every photo, computed from the cached activations through the layers that
    // will train, in evaluation mode (BatchNorm on its running statistics, no dropout).
    private static (Tensor Features, Tensor Labels) HeadInputs(ClassifierModel model, BatchSource batches)
    {
        model.Train(false);
        var features = new List<Tensor>();
        var labels = new List<Tensor>();
        using (no_grad())
        {
            foreach (var (input, label) in batches.Epoch(0))
            {
                features.Add(model.Features(batches.TensorName, input));
                labels.Add(label);
            }
        }

        return (cat(features), cat(labels));
    }
}
