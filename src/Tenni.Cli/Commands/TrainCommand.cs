using System.CommandLine;
using System.Globalization;
using Tenni.Data;
using Tenni.Training;

namespace Tenni.Cli.Commands;

/// <summary>
/// <c>tenni train</c>: the chapter's recipe with its settings as defaults; a thin layer over <see cref="TrainingRun"/>.
/// <c>tenni lr-find</c> takes the same options and sweeps the learning rate instead (<see cref="LearningRateFinder"/>).
/// </summary>
internal static class TrainCommand
{
    public static Command CreateLrFind(CommandContext context) => Create(context, lrFind: true);

    public static Command Create(CommandContext context, bool lrFind = false)
    {
        var data = new Option<string?>("--data", "-d") { Description = "Folder with one sub-folder per class (or train/ and val/ trees); or --labels" };
        var labels = new Option<string?>("--labels") { Description = "Instead of --data: a CSV file with a header path,labels (paths relative to the CSV; several labels separated by ';' with --multi-label)" };
        var features = new Option<string?>("--features") { Description = "Instead of --data: a merged feature store (tenni extract --shard, tenni features merge); trains from its rows without reading an image" };
        var multiLabel = new Option<bool>("--multi-label") { Description = "Each photo has a set of labels (from --labels): sigmoid + binary cross-entropy, per-label F1, mAP and a decision threshold" };
        var threshold = new Option<string?>("--threshold") { Description = "Multi-label decision threshold: a number between 0 and 1, or tune (default: the best micro-F1 on the validation photos)" };
        var model = CommonOptions.Model();
        var weights = CommonOptions.Weights();
        var preprocessing = CommonOptions.Preprocessing();
        var precision = CommonOptions.Precision();
        var device = CommonOptions.Device();
        var layer = new Option<string?>("--layer") { Description = "Cut layer feeding the new head (default: the model's feature layer: pool5, fc7 for vgg16)" };
        var trainLayers = new Option<string?>("--train-layers") { Description = "Source layers to fine-tune, comma-separated (default: none, the head only)" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 20, Description = "Epochs (the chapter: 20)" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64, Description = "Batch size (the chapter: 64)" };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-4, Description = "Learning rate of trained source layers (the chapter: Adam alpha 1e-4)" };
        var headScale = new Option<double>("--head-lr-scale") { DefaultValueFactory = _ => 10, Description = "Head learning rate as a multiple of --lr (the chapter: 10; few-photo fine-tuning with --train-layers uses 1, its head starting converged)" };
        var split = new Option<double>("--split") { DefaultValueFactory = _ => 0.7, Description = "Training share of a random split (the chapter: 0.7)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1, Description = "Seed for split, shuffling, head initialisation and dropout" };
        var perClass = new Option<int?>("--per-class") { Description = "At most this many images per class (the chapter: 1000)" };
        var classes = new Option<string?>("--classes") { Description = "Class folders in label order, comma-separated (e.g. Dog,Cat)" };
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default: runs/train-<date>-<time>)" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last snapshot" };
        var noCache = new Option<bool>("--no-cache") { Description = "Run the whole network every step instead of caching frozen layers" };
        var optimizer = new Option<OptimizerKind>("--optimizer") { DefaultValueFactory = _ => OptimizerKind.Adam, Description = "Adam, AdamW or Sgd" };
        var schedule = new Option<LearningRateSchedule>("--schedule") { DefaultValueFactory = _ => LearningRateSchedule.Constant, Description = "Constant, Cosine or OneCycle" };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay" };
        var frozenBn = new Option<FrozenBatchNorm>("--frozen-bn") { DefaultValueFactory = _ => FrozenBatchNorm.Frozen, Description = "BatchNorm outside trained layers: Frozen, AffineTrainable or Trainable" };
        var augment = new Option<string?>("--augment") { Description = $"Training augmentation, comma-separated: {AugmentationSyntax.Valid} (turns caching off; tenni show --augment pictures it)" };
        var patience = new Option<int?>("--early-stopping") { Description = "Stop after this many epochs without a better validation accuracy (few-photo fine-tuning with --train-layers: validation loss, default 5)" };
        var logName = new Option<string>("--log-name") { DefaultValueFactory = _ => "log", Description = "File name of the JSON log" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Folder for cached activations (default: ~/.cache/tenni/features)" };
        var recipe = new Option<string?>("--recipe") { Description = "chapter: the chapter's recipe exactly (20 epochs of Adam, batch 64, head at 10×) instead of the automatic choice of head solver" };
        var headSolver = new Option<HeadSolver?>("--head-solver") { Description = "Auto (default: on few photos per class or many classes, L-BFGS when only the head trains, or with --train-layers the head fitted first and the layers fine-tuned from it), Gradient (the chapter's recipe) or Lbfgs" };
        var l2 = new Option<string?>("--l2") { Description = "L2 strengths the L-BFGS head tries, comma-separated, strongest first (default 10,3,1,0.3,…,1e-4)" };
        var refit = new Option<bool>("--refit") { Description = "After choosing on the validation photos (--folds 0), fit the L-BFGS head again on training + validation photos (cross-validation already fits it on all)" };
        var layerLr = new Option<string?>("--layer-lr") { Description = "Per-layer learning rates of trained layers, e.g. res5=1e-4,res4=1e-5 (others: --lr)" };
        var splitMethod = new Option<SplitMethod>("--split-method") { DefaultValueFactory = _ => SplitMethod.Stratified, Description = "Stratified (default: each class split on its own), Random (one split over all photos) or Chainer (the chapter's split_dataset_random exactly: NumPy's permutation with --seed)" };
        var folds = new Option<int?>("--folds") { Description = "Choose the L-BFGS head's strength by K-fold cross-validation over training + validation photos, then fit it on all (0: on the validation split; default: cross-validation when the validation split has under 10 photos of some class)" };
        var classWeights = new Option<string?>("--class-weights") { Description = "none (default), balanced (N / (classes × photos of the class), scikit-learn's) or a JSON file of class → weight, e.g. {\"Cat\": 1, \"Dog\": 4}" };
        var sampler = new Option<Sampler>("--sampler") { DefaultValueFactory = _ => Sampler.Shuffle, Description = "Shuffle (default: every photo once per epoch) or Balanced (classes drawn evenly, with replacement; gradient training)" };
        var labelSmoothing = new Option<double>("--label-smoothing") { Description = "Share of the target spread over all classes, e.g. 0.1 (gradient training)" };
        var mixup = new Option<double>("--mixup") { Description = "Mixup's alpha, e.g. 0.4: batches blended with a shuffled copy (gradient training; with the cache on, of the cached activations)" };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write report.html at the end (tenni report --run RUN writes it later)" };
        var from = new Option<string?>("--from") { Description = "Continue from a trained model (a run folder, its best/ or warm-start/): a second stage, e.g. --train-layers res5 --lr 1e-5 (its head is kept: no new L-BFGS fit)" };
        var command = new Command(lrFind ? "lr-find" : "train", lrFind
            ? "Sweep the learning rate from 1e-7 to 10 on the recipe (fastai's lr_find): lr-find.png, lr-find.json and a suggested --lr in --out"
            : "Fine-tune a source model on a folder of images (the chapter's recipe)")
        {
            data, model, weights, preprocessing, layer, trainLayers, epochs, batch, lr, headScale, split, seed, perClass, classes, output, resume,
            noCache, optimizer, schedule, weightDecay, frozenBn, augment, patience, logName, cacheDir, from, recipe, headSolver, l2, refit, folds, splitMethod, layerLr,
            classWeights, sampler, labelSmoothing, mixup, noReport, labels, multiLabel, threshold, precision, device, features,
        };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string? augmentation = parsed.GetValue(augment);
            var options = new TrainOptions
            {
                Model = parsed.GetValue(model)!,
                Weights = parsed.GetValue(weights),
                Preprocessing = parsed.GetValue(preprocessing),
                Precision = parsed.GetValue(precision) ?? Precision.Auto,
                Device = CommonOptions.CheckDevice(parsed, device),
                Layer = parsed.GetValue(layer),
                TrainLayers = List(parsed.GetValue(trainLayers)),
                Epochs = CommonOptions.Positive(parsed.GetValue(epochs), "--epochs"),
                BatchSize = CommonOptions.Positive(parsed.GetValue(batch), "--batch"),
                LearningRate = parsed.GetValue(lr),
                HeadLearningRateScale = parsed.GetValue(headScale),
                TrainFraction = parsed.GetValue(split),
                Seed = parsed.GetValue(seed),
                PerClass = parsed.GetValue(perClass),
                Classes = parsed.GetValue(classes) is { } c ? List(c) : null,
                Cache = !parsed.GetValue(noCache),
                Optimizer = parsed.GetValue(optimizer),
                Schedule = parsed.GetValue(schedule),
                WeightDecay = parsed.GetValue(weightDecay),
                FrozenBatchNorm = parsed.GetValue(frozenBn),
                Augmentation = AugmentationSyntax.Parse(augmentation),
                EarlyStoppingPatience = parsed.GetValue(patience),
                LogName = parsed.GetValue(logName)!,
                CacheFolder = parsed.GetValue(cacheDir),
                InitialModel = parsed.GetValue(from),
                HeadSolver = Solver(parsed.GetValue(recipe), parsed.GetValue(headSolver)),
                L2Grid = parsed.GetValue(l2) is { } grid ? Numbers(grid, "--l2") : new TrainOptions().L2Grid,
                Refit = parsed.GetValue(refit),
                Folds = parsed.GetValue(folds),
                SplitMethod = parsed.GetValue(splitMethod),
                LayerLearningRates = LayerRates(parsed.GetValue(layerLr)),
                ClassWeights = Weights(parsed.GetValue(classWeights)),
                Sampler = parsed.GetValue(sampler),
                LabelSmoothing = parsed.GetValue(labelSmoothing),
                MixupAlpha = parsed.GetValue(mixup),
                Report = !parsed.GetValue(noReport),
                MultiLabel = parsed.GetValue(multiLabel),
                Threshold = Threshold(parsed.GetValue(threshold)),
            };
            string runFolder = parsed.GetValue(output) ?? Path.Combine("runs", $"{(lrFind ? "lr-find" : "train")}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
            if (parsed.GetValue(features) is { } store)
            {
                return TrainFromStore(context, parsed, store, runFolder, options, lrFind, data, labels, resume);
            }

            string dataPath = DataPath(parsed.GetValue(data), parsed.GetValue(labels));
            // A data folder is scanned whole: nothing may be written into it. A labels file lists its photos, so its folder may hold runs.
            string[] dataPlace = parsed.GetValue(labels) is null ? [dataPath] : [];
            OutputGuard.CheckPlace(runFolder, "--out", dataPlace);
            if (parsed.GetValue(cacheDir) is { } cacheFolder)
            {
                OutputGuard.CheckPlace(cacheFolder, "--cache-dir", dataPlace);
            }
            if (lrFind)
            {
                if (parsed.GetValue(resume))
                {
                    throw new TenniException("--resume continues a training run; lr-find has nothing to resume");
                }

                LearningRateFinder.Run(dataPath, runFolder, options, context.Output, ProgressDisplay.Files(context, "cache"));
                return 0;
            }

            TrainingRun.Train(dataPath, runFolder, options, context.Output, parsed.GetValue(resume), ProgressDisplay.Files(context, "cache"), training: ProgressDisplay.Epochs(context));
            return 0;
        }));
        return command;
    }

    private static int TrainFromStore(CommandContext context, ParseResult parsed, string store, string runFolder, TrainOptions options, bool lrFind, Option<string?> data, Option<string?> labels, Option<bool> resume)
    {
        if (parsed.GetValue(data) is not null || parsed.GetValue(labels) is not null)
        {
            throw new TenniException("give one of --data, --labels and --features: --features trains from a feature store's rows, without the images");
        }

        if (lrFind)
        {
            throw new TenniException("lr-find takes --data or --labels; from a feature store, train with --features");
        }

        OutputGuard.CheckPlace(runFolder, "--out", [store]);
        TrainingRun.TrainFromFeatures(store, runFolder, options, context.Output, parsed.GetValue(resume), training: ProgressDisplay.Epochs(context));
        return 0;
    }

    // --data and --labels are alternatives; TrainingRun tells a labels file from a data folder by its .csv name.
    private static string DataPath(string? data, string? labels)
    {
        if ((data is null) == (labels is null))
        {
            throw new TenniException("give exactly one of --data FOLDER (class folders) and --labels FILE.csv (a path,labels CSV)");
        }

        if (data is not null && File.Exists(data))
        {
            throw new TenniException($"--data takes a folder with one sub-folder per class; '{data}' is a file (a labels CSV goes to --labels)");
        }

        if (labels is not null && !labels.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            throw new TenniException($"--labels takes a CSV file whose name ends in .csv, got '{labels}'");
        }

        if (labels is not null && !File.Exists(labels))
        {
            throw new TenniException($"labels file '{labels}' does not exist; expected a CSV file with a header row path,labels");
        }

        return data ?? labels!;
    }

    private static double? Threshold(string? text) => text switch
    {
        null or "tune" => null,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => value,
        _ => throw new TenniException($"--threshold: '{text}' is neither tune nor a number between 0 and 1"),
    };

    private static IReadOnlyList<string> List(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    private static HeadSolver Solver(string? recipe, HeadSolver? solver)
    {
        if (recipe is null)
        {
            return solver ?? HeadSolver.Auto;
        }

        if (recipe != "chapter")
        {
            throw new TenniException($"unknown recipe '{recipe}'; valid: chapter");
        }

        return solver is null or HeadSolver.Gradient
            ? HeadSolver.Gradient
            : throw new TenniException($"--recipe chapter trains the head with the chapter's optimizer; it cannot be combined with --head-solver {solver}");
    }

    private static IReadOnlyList<double> Numbers(string text, string option) =>
        List(text).Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new TenniException($"{option}: '{t}' is not a number; expected comma-separated numbers such as 1,0.1,0.01")).ToArray();

    private static Dictionary<string, double> LayerRates(string? text)
    {
        var rates = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string pair in List(text))
        {
            string[] parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double rate))
            {
                throw new TenniException($"--layer-lr: '{pair}' is not LAYER=RATE; expected e.g. res5=1e-4,res4=1e-5");
            }

            if (!rates.TryAdd(parts[0], rate))
            {
                throw new TenniException($"--layer-lr: layer '{parts[0]}' is given twice");
            }
        }

        return rates;
    }

    private static ClassWeights Weights(string? text) => text switch
    {
        null or "none" => ClassWeights.None,
        "balanced" => ClassWeights.Balanced,
        _ when File.Exists(text) || Directory.Exists(text) || text.Contains('/') || text.EndsWith(".json", StringComparison.OrdinalIgnoreCase) => ClassWeights.Read(text),
        _ => throw new TenniException($"--class-weights: '{text}' is neither none, balanced nor an existing JSON file of class → weight"),
    };
}
