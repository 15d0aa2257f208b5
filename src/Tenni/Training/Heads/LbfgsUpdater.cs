using System.Text.Json.Nodes;
using Tenni.IO;
using Tenni.Training.Extensions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// The head fitted with L-BFGS, as an updater, so the trainer and every extension work unchanged: each
/// update fits one strength of the L2 grid to convergence (strongest first, from zero, then each from the
/// previous one's solution) and is one epoch of one iteration. The observation holds Chainer's keys for the fit on the
/// training features (unpenalized loss, accuracy), plus <c>l2</c> and <c>lbfgs/iterations</c>; the
/// evaluator then adds the validation values, and <see cref="BestModel"/> under a
/// <see cref="MinValueTrigger"/> on validation loss keeps the chosen strength.
/// </summary>
public sealed class LbfgsUpdater : IUpdater, IDisposable
{
    private readonly ITrainableModel _model;
    private readonly Linear _head;
    private readonly Tensor _features;
    private readonly Tensor _labels;
    private readonly IReadOnlyList<double> _grid;

    /// <param name="features">[N, d] the head's inputs for every training photo; <paramref name="labels"/> [N].</param>
    public LbfgsUpdater(ITrainableModel model, Linear head, Tensor features, Tensor labels, IReadOnlyList<double> grid)
    {
        _model = model;
        _head = head;
        _features = features.flatten(1).DetachFromDisposeScope();
        _labels = labels.DetachFromDisposeScope();
        _grid = grid;
    }

    public int Epoch { get; private set; }

    public long Iteration { get; private set; }

    public bool IsNewEpoch { get; private set; }

    public int IterationsPerEpoch => 1;

    /// <summary>The strength of the last fit; NaN before the first.</summary>
    public double CurrentL2 => Epoch == 0 ? double.NaN : _grid[Epoch - 1];

    /// <summary>L-BFGS iterations over all fits so far.</summary>
    public long SolverIterations { get; private set; }

    /// <summary>Every input and label of a batch source, in one matrix: what L-BFGS fits on.</summary>
    public static (Tensor Features, Tensor Labels) Collect(BatchSource batches)
    {
        var inputs = new List<Tensor>();
        var labels = new List<Tensor>();
        foreach (var (input, label) in batches.Epoch(0))
        {
            inputs.Add(input.flatten(1));
            labels.Add(label);
        }

        return (cat(inputs), cat(labels));
    }

    public void Update(IDictionary<string, double> observation)
    {
        double l2 = _grid[Epoch];
        using (var scope = NewDisposeScope())
        {
            // The first strength starts from zero (as scikit-learn does), not from the head's random
            // initialisation: the path of solutions then depends on the data and the grid alone.
            bool first = Epoch == 0;
            var fit = LogisticRegression.Fit(_features, _labels, (int)_head.weight!.shape[0], l2, initialWeight: first ? null : _head.weight, initialBias: first ? null : _head.bias);
            Apply(fit);

            var (loss, accuracy) = LogisticRegression.Evaluate(fit.Weight, fit.Bias, _features, _labels);
            observation[ObservationKeys.Loss] = loss;
            observation[ObservationKeys.Accuracy] = accuracy;
            observation[ObservationKeys.L2] = l2;
            observation[ObservationKeys.SolverIterations] = fit.Iterations;
            SolverIterations += fit.Iterations;
        }

        Iteration++;
        Epoch++;
        IsNewEpoch = true;
    }

    /// <summary>
    /// Fits strength <paramref name="l2"/> again on the training and <paramref name="validation"/> photos
    /// together, starting from the head as it is (the chosen fit), for datasets too small to spare their
    /// validation photos. Returns the number of photos fitted.
    /// </summary>
    public int Refit(BatchSource validation, double l2)
    {
        using var scope = NewDisposeScope();
        var (features, labels) = Collect(validation);
        Tensor allFeatures = cat([_features, features]);
        Tensor allLabels = cat([_labels, labels]);
        Apply(LogisticRegression.Fit(allFeatures, allLabels, (int)_head.weight!.shape[0], l2, initialWeight: _head.weight, initialBias: _head.bias));

        return (int)allLabels.shape[0];
    }

    public JsonObject Save(string folder)
    {
        _model.SaveStateTo(Path.Combine(folder, SnapshotFiles.Model));
        return new JsonObject { [ObservationKeys.Epoch] = Epoch, ["solver_iterations"] = SolverIterations };
    }

    public void Restore(JsonObject state, string folder)
    {
        var fields = JsonFields.Wrap(state, Path.Combine(folder, SnapshotFiles.State));
        int epoch = fields.Int(ObservationKeys.Epoch, 0, _grid.Count);
        long solverIterations = fields.Long("solver_iterations", 0, long.MaxValue);
        _model.LoadStateFrom(Path.Combine(folder, SnapshotFiles.Model));
        (Epoch, Iteration, SolverIterations, IsNewEpoch) = (epoch, epoch, solverIterations, false);
    }

    private void Apply(LogisticRegressionFit fit)
    {
        using var noGrad = no_grad();
        _head.weight!.copy_(fit.Weight);
        _head.bias!.copy_(fit.Bias);
    }

    public void Dispose()
    {
        _features.Dispose();
        _labels.Dispose();
    }
}
