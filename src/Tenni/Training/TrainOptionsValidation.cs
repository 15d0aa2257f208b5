using Tenni.Data;
using Tenni.Training;

namespace Tenni;

/// <summary>The checks every option passes before a run writes anything (a bad value never leaves half a run folder).</summary>
public sealed partial record TrainOptions
{
    // Names the run folder uses for its own files: a log of the same name would overwrite one of them.
    private static readonly HashSet<string> RunFileNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "config.json", TrainedModelFile.FileName, "model.safetensors", DatasetSplit.TrainFile, DatasetSplit.ValidationFile, "data-report.json", "data-report-val.json",
        "accuracy.png", "loss.png", "snapshot", "best", "report.html", FewPhotoFineTuning.FolderName, MultiLabelValidation.FileName,
    };

    /// <summary>Throws <see cref="TenniException"/> naming the first option that is out of range and what is valid.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(Model), "model must be named, e.g. resnet18");
        Require(Epochs >= 1, $"epochs must be at least 1, got {Epochs}");
        Require(BatchSize >= 1, $"batch size must be at least 1, got {BatchSize}");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, $"learning rate must be a positive number, got {LearningRate}");
        Require(double.IsFinite(HeadLearningRateScale) && HeadLearningRateScale > 0, $"head learning-rate scale must be a positive number, got {HeadLearningRateScale}");
        foreach (var (name, rate) in LayerLearningRates)
        {
            Require(double.IsFinite(rate) && rate > 0, $"learning rate of layer '{name}' must be a positive number, got {rate}");
        }

        Require(double.IsFinite(Momentum) && Momentum is >= 0 and < 1, $"momentum must be in [0, 1), got {Momentum}");
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, $"weight decay must be a number of at least 0, got {WeightDecay}");
        Require(double.IsFinite(TrainFraction) && TrainFraction is > 0 and < 1, $"train fraction (--split) must be between 0 and 1 (exclusive), got {TrainFraction}");
        Require(PerClass is null or >= 1, $"images per class must be at least 1, got {PerClass}");
        Require(EarlyStoppingPatience is null or >= 1, $"early-stopping patience must be at least 1 epoch, got {EarlyStoppingPatience}");
        Require(StopAfterEpoch is null or >= 1, $"stop-after epoch must be at least 1, got {StopAfterEpoch}");
        Require(Enum.IsDefined(Optimizer), $"unknown optimizer {Optimizer}; valid: {string.Join(", ", Enum.GetNames<OptimizerKind>())}");
        Require(Enum.IsDefined(Schedule), $"unknown schedule {Schedule}; valid: {string.Join(", ", Enum.GetNames<LearningRateSchedule>())}");
        Require(Enum.IsDefined(FrozenBatchNorm), $"unknown frozen-BatchNorm mode {FrozenBatchNorm}; valid: {string.Join(", ", Enum.GetNames<FrozenBatchNorm>())}");
        // Crop scale, rotation 0–180, jitter strengths, RandAugment N 1–10 and M 0–30: one line each.
        Augmentation.Validate();
        Require(Enum.IsDefined(HeadSolver), $"unknown head solver {HeadSolver}; valid: {string.Join(", ", Enum.GetNames<HeadSolver>())}");
        Require(L2Grid.Count >= 1 && L2Grid.All(v => double.IsFinite(v) && v > 0), $"the L2 grid must hold at least one positive number, got [{string.Join(", ", L2Grid)}]");
        Require(HeadSolver != HeadSolver.Lbfgs || (TrainLayers.Count == 0 && !Augmentation.IsEnabled && Cache),
            "--head-solver lbfgs fits the head alone on cached features: it cannot be combined with --train-layers, --augment or --no-cache (use --head-solver gradient)");
        Require(!Refit || HeadSolver != HeadSolver.Gradient, "--refit refits an L-BFGS head on training + validation photos; it does not apply to --head-solver gradient (--recipe chapter)");
        Require(!Refit || TrainLayers.Count == 0, "--refit refits a head fitted alone on training + validation photos; with --train-layers the validation photos choose the best epoch (docs/training.md)");
        Require(Enum.IsDefined(SplitMethod), $"unknown split method {SplitMethod}; valid: {string.Join(", ", Enum.GetNames<SplitMethod>())}");
        Require(SplitMethod != SplitMethod.Chainer || Seed >= 0, $"--split-method chainer takes NumPy's seeds, 0 to 4294967295; got --seed {Seed}");
        Require(Folds is null or 0 or >= 2, $"--folds must be 0 (choose on the validation split) or at least 2, got {Folds}");
        Require(Folds is null || HeadSolver != HeadSolver.Gradient, "--folds chooses the L-BFGS head's strength by cross-validation; it does not apply to --head-solver gradient (--recipe chapter)");
        Require(double.IsFinite(LabelSmoothing) && LabelSmoothing is >= 0 and < 1, $"label smoothing must be in [0, 1), got {LabelSmoothing}; 0.1 is usual");
        Require(double.IsFinite(MixupAlpha) && MixupAlpha is >= 0 and <= 10, $"mixup α must be in [0, 10], got {MixupAlpha}; 0.2–0.4 is usual, 0 turns it off");
        Require(Enum.IsDefined(Sampler), $"unknown sampler {Sampler}; valid: {string.Join(", ", Enum.GetNames<Sampler>())}");
        Require(ClassWeights is not null, "class weights must be given (ClassWeights.None for none)");
        Require(HeadSolver != HeadSolver.Lbfgs || !NeedsGradientLoss,
            "--head-solver lbfgs fits the head by L-BFGS on every photo at once: --label-smoothing, --mixup and --sampler balanced apply to gradient training (use --head-solver gradient; --class-weights works with both)");
        Require(!MultiLabel || (!NeedsGradientLoss && ClassWeights == ClassWeights.None),
            "--multi-label trains with sigmoid + binary cross-entropy: --label-smoothing, --mixup, --class-weights and --sampler balanced apply to single-label training");
        Require(!MultiLabel || (HeadSolver != HeadSolver.Lbfgs && !Refit && Folds is null),
            "--multi-label heads train by gradient steps (L-BFGS fits a softmax head): --head-solver lbfgs, --refit and --folds do not apply");
        Require(Threshold is null || (MultiLabel && double.IsFinite(Threshold.Value) && Threshold.Value is > 0 and < 1),
            $"--threshold is a multi-label model's decision threshold, between 0 and 1 (exclusive), with --multi-label; got {Threshold}");
        Require(IsPlainName(LogName) && !RunFileNames.Contains(LogName), $"log name '{LogName}' must be a plain file name (no folder, not one of the run's own files: {string.Join(", ", RunFileNames)})");
        if (Classes is not null)
        {
            foreach (string name in Classes)
            {
                // Class names become paths under the data folder: a separator or '..' would read outside it.
                Require(IsPlainName(name), $"class '{name}' must be the name of a sub-folder of the data folder (no path separators, not '.' or '..')");
            }
        }
    }

    private static bool IsPlainName(string name) =>
        !string.IsNullOrWhiteSpace(name) && name is not ("." or "..") && name.IndexOfAny(['/', '\\', '\0']) < 0 && !name.Any(IO.TextEscaping.IsControl);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new TenniException(message);
        }
    }
}
