using Tenni.Data;
using Tenni.Models;
using Tenni.Training;

namespace Tenni;

/// <summary>Everything that defines a training run; the defaults are the chapter's recipe.</summary>
public sealed partial record TrainOptions
{
    /// <summary>Source model name in the registry.</summary>
    public string Model { get; init; } = "resnet18";

    /// <summary>Weights file instead of the registry's.</summary>
    public string? Weights { get; init; }

    /// <summary>The frozen layers' arithmetic (<see cref="Tenni.Precision"/>): bfloat16 where the CPU has it natively, by default.</summary>
    public Precision Precision { get; init; } = Precision.Auto;

    /// <summary>cpu, or cuda with a CUDA build of TorchSharp (<see cref="Native.Devices"/>).</summary>
    public string Device { get; init; } = Native.Devices.Cpu;

    /// <summary>Whose preprocessing to use instead of the weight file's own (see <see cref="SourceModelOptions.Preprocessing"/>).</summary>
    public WeightFamily? Preprocessing { get; init; }

    /// <summary>Reduced architecture widths (tests; see <see cref="SourceModelOptions"/>).</summary>
    internal int WidthDivisor { get; init; } = 1;

    /// <summary>Cut layer whose output feeds the new head; null: the model's default feature layer.</summary>
    public string? Layer { get; init; }

    /// <summary>Source layers to fine-tune (the chapter's <c>fc7</c>); empty: the head only.</summary>
    public IReadOnlyList<string> TrainLayers { get; init; } = [];

    public int Epochs { get; init; } = 20;

    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's alpha for the source model's trained layers (the chapter's 1e-4).</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>The head's rate as a multiple of <see cref="LearningRate"/> (the chapter's 10×).</summary>
    public double HeadLearningRateScale { get; init; } = 10;

    /// <summary>Per-layer rates overriding <see cref="LearningRate"/>, by friendly or raw layer name.</summary>
    public IReadOnlyDictionary<string, double> LayerLearningRates { get; init; } = new Dictionary<string, double>();

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    public double Momentum { get; init; } = 0.9;

    public double WeightDecay { get; init; }

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    public FrozenBatchNorm FrozenBatchNorm { get; init; } = FrozenBatchNorm.Frozen;

    /// <summary>The chapter's 0.7 split with seed 1; one seed drives split, shuffling, head initialisation and dropout.</summary>
    public double TrainFraction { get; init; } = 0.7;

    public int Seed { get; init; } = 1;

    /// <summary>How the data is split when it has no <c>train/</c> and <c>val/</c> trees (<see cref="Tenni.SplitMethod"/>).</summary>
    public SplitMethod SplitMethod { get; init; } = SplitMethod.Stratified;

    /// <summary>Cap per class (the chapter's <c>[:1000]</c>).</summary>
    public int? PerClass { get; init; }

    /// <summary>Class folders in label order; null: sorted.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    public Augmentation Augmentation { get; init; } = new();

    /// <summary>Compute frozen layers once per image when that is exact (decision 4). False forces the full network every step.</summary>
    public bool Cache { get; init; } = true;

    /// <summary>Where cached activations persist between runs; null: the user cache folder.</summary>
    public string? CacheFolder { get; init; }

    /// <summary>Stop when validation accuracy has not improved for this many epochs; null: never.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>File name of the JSON log (Chainer's <c>log_name</c>).</summary>
    public string LogName { get; init; } = "log";

    /// <summary>
    /// A trained model's folder to start from (a second stage, e.g. unfreezing deeper layers at a lower
    /// rate): its head and trained layers are loaded before training; it must share source, cut and classes.
    /// </summary>
    public string? InitialModel { get; init; }

    /// <summary>How the head is trained; <see cref="HeadSolver.Auto"/> chooses, and says why.</summary>
    public HeadSolver HeadSolver { get; init; } = HeadSolver.Auto;

    /// <summary>L2 strengths tried by the L-BFGS solver, strongest first (each fit starts from the previous one's solution).</summary>
    public IReadOnlyList<double> L2Grid { get; init; } = [10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4];

    /// <summary>After choosing on the validation split, fit the chosen strength again on training + validation photos (L-BFGS).</summary>
    public bool Refit { get; init; }

    /// <summary>
    /// How the L-BFGS head's strength is chosen: null, by itself (K-fold cross-validation when the validation
    /// split would hold fewer than <see cref="HeadSolverChoice.FewValidationPhotosPerClass"/> photos per class);
    /// 0, on the validation split; K ≥ 2, by K-fold cross-validation over training + validation photos, the
    /// head then fitted on all of them.
    /// </summary>
    public int? Folds { get; init; }

    /// <summary>How much each class's photos count in the loss (<c>--class-weights</c>); default: all the same.</summary>
    public ClassWeights ClassWeights { get; init; } = ClassWeights.None;

    /// <summary>How a training epoch draws its photos (<c>--sampler</c>); <see cref="Data.Sampler.Balanced"/> draws classes evenly.</summary>
    public Sampler Sampler { get; init; } = Sampler.Shuffle;

    /// <summary>Share of the target spread over all classes (<c>--label-smoothing</c>, e.g. 0.1); gradient training only.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Mixup's α (<c>--mixup</c>, e.g. 0.4); 0: off; gradient training only.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>
    /// Each photo has a set of labels (from a labels file): the head trains with sigmoid + binary
    /// cross-entropy (<c>--multi-label</c>; gradient training only).
    /// </summary>
    public bool MultiLabel { get; init; }

    /// <summary>A multi-label model's decision threshold on each label's probability; null: tuned on the validation photos for micro-F1.</summary>
    public double? Threshold { get; init; }

    /// <summary>Write <c>report.html</c> at the end (<see cref="RunReport"/>; <c>--no-report</c> turns it off, e.g. in a sweep of many runs).</summary>
    public bool Report { get; init; } = true;

    /// <summary>The chapter's recipe exactly: 20 epochs of Adam, batch 64, head at 10× (what <c>--recipe chapter</c> gives).</summary>
    public static TrainOptions Chapter => new() { HeadSolver = HeadSolver.Gradient };

    /// <summary>The gradient steps' loss for this recipe on these classes and training photos.</summary>
    internal ClassificationLoss Loss(DatasetSplit split) =>
        new() { LabelSmoothing = LabelSmoothing, MixupAlpha = MixupAlpha, ClassWeights = MultiLabel ? null : ClassWeights.For(split.Classes, split.Train) };

    /// <summary>True when the loss or the draws differ from plain cross-entropy over shuffled photos: only gradient training has them.</summary>
    internal bool NeedsGradientLoss => LabelSmoothing > 0 || MixupAlpha > 0 || Sampler != Sampler.Shuffle;

    /// <summary>How the source model is loaded for this recipe.</summary>
    internal SourceModelOptions SourceOptions => new() { WeightsPath = Weights, Preprocessing = Preprocessing, WidthDivisor = WidthDivisor, Precision = Precision, Device = Device };

    /// <summary>Stop after this many epochs of this invocation (tests simulate an interruption with it).</summary>
    internal int? StopAfterEpoch { get; init; }
}
