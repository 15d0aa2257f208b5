using System.Text.Json.Nodes;
using Tenni.IO;
using Tenni.Training.Extensions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// The head fitted with L-BFGS, as an updater, so the trainer and every extension work unchanged: each
/// update fits one strength of the L2 grid to convergence (strongest first, from zero, then each from the
/// previous one's solution) and is one epoch of one iteration. Each strength is scored on photos its fit
/// never saw: the validation split, or with <c>folds</c> ≥ 2 out-of-fold over training + validation photos
/// (stratified K-fold cross-validation; the head is then fitted on all of them). The held-out logits also
/// give the head's temperature (<see cref="Calibration"/>), which the head carries. The observation holds
/// Chainer's keys: <c>main/*</c> of the head on the photos it is fitted on, <c>validation/main/*</c> of
/// the held-out predictions (the loss after calibration), plus <c>l2</c>, <c>lbfgs/iterations</c> and
/// <c>temperature</c>; <see cref="BestModel"/> under a <see cref="MinValueTrigger"/> on validation loss
/// keeps the chosen strength.
/// </summary>
public sealed class LbfgsUpdater : IUpdater, IDisposable
{
    private const string PathFile = "lbfgs-path.safetensors";

    private readonly ITrainableModel _model;
    private readonly Linear _head;
    private readonly Tensor _features;
    private readonly Tensor _labels;
    private readonly Tensor? _validationFeatures;
    private readonly Tensor? _validationLabels;
    private readonly IReadOnlyList<(Tensor Fit, Tensor HeldOut)> _folds;
    private readonly IReadOnlyList<double> _grid;
    private readonly IReadOnlyList<double>? _classWeights;

    // The unscaled solutions of the last strength, where the next one starts (the regularization path):
    // [0] the head's own fit, [1 …] one per fold. Saved in snapshots, so a resumed run takes the same path.
    private readonly List<(Tensor Weight, Tensor Bias)?> _path;

    /// <param name="model">The model whose state snapshots save (the head belongs to it).</param>
    /// <param name="train">[N, d] the head's inputs for every training photo and [N] their labels (copied or shared: the caller may dispose its handles).</param>
    /// <param name="validation">The validation photos' inputs and labels.</param>
    /// <param name="folds">0: score each strength on the validation photos and fit the head on the training
    /// photos; K ≥ 2: pool both, score by stratified K-fold cross-validation, fit the head on all.</param>
    /// <param name="seed">Shuffles the photos of each class into folds.</param>
    /// <param name="classWeights">Weights of each class's photos in the fits' loss (<see cref="ClassWeights"/>); the held-out scores stay unweighted.</param>
    public LbfgsUpdater(ITrainableModel model, Linear head, (Tensor Features, Tensor Labels) train, (Tensor Features, Tensor Labels) validation, IReadOnlyList<double> grid, int folds = 0, int seed = 1, IReadOnlyList<double>? classWeights = null)
    {
        _model = model;
        _head = head;
        _grid = grid;
        _classWeights = classWeights;
        FoldCount = folds;
        if (folds == 0)
        {
            _features = train.Features.flatten(1).DetachFromDisposeScope(); // flatten gives a handle of its own
            _labels = train.Labels.alias().DetachFromDisposeScope();
            _validationFeatures = validation.Features.flatten(1).DetachFromDisposeScope();
            _validationLabels = validation.Labels.alias().DetachFromDisposeScope();
            _folds = [];
        }
        else
        {
            _features = cat([train.Features.flatten(1), validation.Features.flatten(1)]).DetachFromDisposeScope();
            _labels = cat([train.Labels, validation.Labels]).DetachFromDisposeScope();
            _folds = Split(_labels, folds, seed);
        }

        _path = [.. Enumerable.Repeat<(Tensor, Tensor)?>(null, 1 + _folds.Count)];
    }

    public int Epoch { get; private set; }

    public long Iteration { get; private set; }

    public bool IsNewEpoch { get; private set; }

    public int IterationsPerEpoch => 1;

    /// <summary>0: strengths are scored on the validation split; K: by K-fold cross-validation, the head fitted on all photos.</summary>
    public int FoldCount { get; }

    /// <summary>The photos the head is fitted on: the training split, or training + validation when cross-validating.</summary>
    public int FittedPhotos => (int)_labels.shape[0];

    /// <summary>The strength of the last fit; NaN before the first.</summary>
    public double CurrentL2 => Epoch == 0 ? double.NaN : _grid[Epoch - 1];

    /// <summary>The temperature of the last fit (the head's logits are already divided by it); NaN before the first.</summary>
    public double CurrentTemperature { get; private set; } = double.NaN;

    /// <summary>L-BFGS iterations over all fits so far.</summary>
    public long SolverIterations { get; private set; }

    /// <summary>Every input and label of a batch source, in one matrix: what L-BFGS fits on.</summary>
    public static (Tensor Features, Tensor Labels) Collect(BatchSource batches)
    {
        var inputs = new List<Tensor>();
        var labels = new List<Tensor>();
        foreach (var (input, label) in batches.Epoch(0))
        {
            inputs.Add(input);
            labels.Add(label);
        }

        try
        {
            return (cat(inputs.Select(i => i.flatten(1)).ToList()), cat(labels));
        }
        finally
        {
            foreach (var tensor in inputs.Concat(labels))
            {
                tensor.Dispose();
            }
        }
    }

    public void Update(IDictionary<string, double> observation)
    {
        double l2 = _grid[Epoch];
        using (var scope = NewDisposeScope())
        {
            int iterations = 0;
            var fit = FitAlongPath(0, _features, _labels, l2, ref iterations);
            var (heldOutLogits, heldOutLabels) = _folds.Count == 0
                ? (Logits(fit, _validationFeatures!), _validationLabels!)
                : (OutOfFoldLogits(l2, ref iterations), _labels);
            double scale = Calibration.Scale(heldOutLogits, heldOutLabels);
            Apply(fit, scale);

            var (loss, accuracy) = LogisticRegression.Evaluate(fit.Weight * scale, fit.Bias * scale, _features, _labels);
            observation[ObservationKeys.Loss] = loss;
            observation[ObservationKeys.Accuracy] = accuracy;
            observation[ObservationKeys.ValidationLoss] = nn.functional.cross_entropy(heldOutLogits * scale, heldOutLabels).item<float>();
            observation[ObservationKeys.ValidationAccuracy] = heldOutLogits.argmax(1).eq(heldOutLabels).to_type(ScalarType.Float64).mean().item<double>();
            observation[ObservationKeys.L2] = l2;
            observation[ObservationKeys.Temperature] = CurrentTemperature = 1 / scale;
            observation[ObservationKeys.SolverIterations] = iterations;
            SolverIterations += iterations;
        }

        Iteration++;
        Epoch++;
        IsNewEpoch = true;
    }

    /// <summary>
    /// Fits strength <paramref name="l2"/> again on the training and validation photos together, starting
    /// from that strength's fit on the training photos, and gives the head the chosen temperature
    /// (<paramref name="temperature"/>): for datasets too small to spare their validation photos. Only for
    /// the validation split (cross-validation already fits the head on every photo). Returns the photos fitted.
    /// </summary>
    public int Refit(double l2, double temperature)
    {
        if (_folds.Count > 0)
        {
            throw new InvalidOperationException("a cross-validated head is already fitted on every photo");
        }

        using var scope = NewDisposeScope();
        Tensor allFeatures = cat([_features, _validationFeatures!]);
        Tensor allLabels = cat([_labels, _validationLabels!]);
        using var noGrad = no_grad();
        var fit = LogisticRegression.Fit(allFeatures, allLabels, Classes, l2, initialWeight: _head.weight! * temperature, initialBias: _head.bias! * temperature, classWeights: _classWeights);
        Apply(fit, 1 / temperature);
        return (int)allLabels.shape[0];
    }

    public JsonObject Save(string folder)
    {
        _model.SaveStateTo(Path.Combine(folder, SnapshotFiles.Model));
        var path = _path.Select((p, i) => (i, p)).Where(e => e.p is not null)
            .SelectMany(e => new[] { ($"{e.i}.weight", e.p!.Value.Weight), ($"{e.i}.bias", e.p!.Value.Bias) });
        TensorFile.Save(Path.Combine(folder, PathFile), path);
        return new JsonObject
        {
            [ObservationKeys.Epoch] = Epoch, ["solver_iterations"] = SolverIterations, [ObservationKeys.Temperature] = double.IsFinite(CurrentTemperature) ? CurrentTemperature : null,
            ["grid"] = new JsonArray(_grid.Select(l2 => (JsonNode?)JsonValue.Create(l2)).ToArray()),
        };
    }

    public void Restore(JsonObject state, string folder)
    {
        var fields = JsonFields.Wrap(state, Path.Combine(folder, SnapshotFiles.State));
        int epoch = fields.Int(ObservationKeys.Epoch, 0, _grid.Count);
        if (state["grid"] is JsonArray grid && !grid.Select(v => v?.GetValue<double>()).SequenceEqual(_grid.Select(l2 => (double?)l2)))
        {
            throw new TenniException($"the snapshot was taken with the L2 grid [{string.Join(", ", grid)}], not [{string.Join(", ", _grid)}]; resume with --l2 {string.Join(",", grid)}");
        }

        long solverIterations = fields.Long("solver_iterations", 0, long.MaxValue);
        _model.LoadStateFrom(Path.Combine(folder, SnapshotFiles.Model));
        RestorePath(Path.Combine(folder, PathFile));
        double temperature = fields.OptionalDouble(ObservationKeys.Temperature, double.Epsilon, double.MaxValue) ?? double.NaN;
        (Epoch, Iteration, SolverIterations, CurrentTemperature, IsNewEpoch) = (epoch, epoch, solverIterations, temperature, false);
    }

    private int Classes => (int)_head.weight!.shape[0];

    // Stratified folds as index tensors: what each fold fits on and what it holds out.
    private static List<(Tensor Fit, Tensor HeldOut)> Split(Tensor labels, int folds, int seed)
    {
        int[] fold = CrossValidationFolds.Assign(labels.data<long>().ToArray(), folds, seed);
        return [.. Enumerable.Range(0, folds).Select(k => (
            tensor(Enumerable.Range(0, fold.Length).Where(i => fold[i] != k).Select(i => (long)i).ToArray()).DetachFromDisposeScope(),
            tensor(Enumerable.Range(0, fold.Length).Where(i => fold[i] == k).Select(i => (long)i).ToArray()).DetachFromDisposeScope()))];
    }

    // The logits each photo gets from the fold that held it out.
    private Tensor OutOfFoldLogits(double l2, ref int iterations)
    {
        Tensor logits = zeros(_labels.shape[0], Classes);
        for (int k = 0; k < _folds.Count; k++)
        {
            var (fitRows, heldOutRows) = _folds[k];
            var fit = FitAlongPath(k + 1, _features.index_select(0, fitRows), _labels.index_select(0, fitRows), l2, ref iterations);
            logits.index_copy_(0, heldOutRows, Logits(fit, _features.index_select(0, heldOutRows)));
        }

        return logits;
    }

    // The first strength starts from zero (as scikit-learn does), not from the head's random
    // initialisation: the path of solutions then depends on the data and the grid alone.
    private LogisticRegressionFit FitAlongPath(int slot, Tensor features, Tensor labels, double l2, ref int iterations)
    {
        var start = _path[slot];
        var fit = LogisticRegression.Fit(features, labels, Classes, l2, initialWeight: start?.Weight, initialBias: start?.Bias, classWeights: _classWeights);
        start?.Weight.Dispose();
        start?.Bias.Dispose();
        _path[slot] = (fit.Weight.clone().DetachFromDisposeScope(), fit.Bias.clone().DetachFromDisposeScope());
        iterations += fit.Iterations;
        return fit;
    }

    private static Tensor Logits(LogisticRegressionFit fit, Tensor features) => features.matmul(fit.Weight.t()) + fit.Bias;

    private void RestorePath(string file)
    {
        // Snapshots written before the path was saved have none: the next strength then starts from zero
        // (the same optimum within the solver's tolerance).
        var (tensors, _) = File.Exists(file) ? TensorFile.Load(file) : ([], []);
        for (int slot = 0; slot < _path.Count; slot++)
        {
            _path[slot]?.Weight.Dispose();
            _path[slot]?.Bias.Dispose();
            _path[slot] = tensors.Remove($"{slot}.weight", out var weight) && tensors.Remove($"{slot}.bias", out var bias) ? (weight, bias) : null;
        }

        foreach (var unused in tensors.Values)
        {
            unused.Dispose();
        }
    }

    private void Apply(LogisticRegressionFit fit, double scale)
    {
        using var noGrad = no_grad();
        _head.weight!.copy_(fit.Weight * scale);
        _head.bias!.copy_(fit.Bias * scale);
    }

    public void Dispose()
    {
        foreach (var tensor in new[] { _features, _labels, _validationFeatures, _validationLabels }.Concat(_folds.SelectMany(f => new[] { f.Fit, f.HeldOut })))
        {
            tensor?.Dispose();
        }

        foreach (var solution in _path)
        {
            solution?.Weight.Dispose();
            solution?.Bias.Dispose();
        }
    }
}
