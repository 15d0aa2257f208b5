using System.Diagnostics;
using System.Text.Json;
using Tenni.Data;
using DataLoader = Tenni.Data.DataLoader;
using Tenni.Features;
using Tenni.IO;
using Tenni.Models;
using Tenni.Onnx;
using Tenni.Training.Extensions;
using Adam = TorchSharp.Modules.Adam;
using AdamW = TorchSharp.Modules.AdamW;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;
using SGD = TorchSharp.Modules.SGD;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// The one call (fastai's <c>fine_tune</c>, the chapter end to end): scan and split the data, load the
/// source model, cut it and add a head, freeze, cache what is frozen, train with Chainer's extensions,
/// and leave everything in a run folder.
/// </summary>
public static class TrainingRun
{
    /// <param name="dataFolder">Class folders, or <c>train/</c> and <c>val/</c> trees of them.</param>
    /// <param name="runFolder">Where the run's files go (created; must not hold a run unless resuming).</param>
    /// <param name="options">The recipe; defaults are the chapter's.</param>
    /// <param name="output">Summary, epoch table and progress lines.</param>
    /// <param name="resume">Continue from the run folder's last snapshot.</param>
    /// <param name="extraction">Progress of computing cached activations.</param>
    /// <param name="finished">Called with the trained model before it is disposed (inspection, tests).</param>
    public static TrainingResult Train(string dataFolder, string runFolder, TrainOptions options, TextWriter output, bool resume = false, IProgress<ExtractionProgress>? extraction = null, Action<ClassifierModel>? finished = null)
    {
        options.Validate();
        if (!Directory.Exists(dataFolder))
        {
            // Before the run folder exists: creating it inside a missing data folder would create that too.
            throw new TenniException(File.Exists(dataFolder)
                ? $"data folder '{dataFolder}' is a file; expected a folder with one sub-folder per class"
                : $"data folder '{dataFolder}' does not exist; expected a folder with one sub-folder per class");
        }

        bool fresh = !resume && !Directory.Exists(runFolder);
        try
        {
            return TrainInFolder(dataFolder, runFolder, options, output, resume, extraction, finished);
        }
        catch when (fresh && !Snapshot.Exists(runFolder) && Directory.Exists(runFolder))
        {
            // A run that failed before its first snapshot cannot be resumed: leave no half-written folder
            // behind (only one this call created; nothing of the user's is in it).
            Directory.Delete(runFolder, recursive: true);
            throw;
        }
    }

    private static TrainingResult TrainInFolder(string dataFolder, string runFolder, TrainOptions options, TextWriter output, bool resume, IProgress<ExtractionProgress>? extraction, Action<ClassifierModel>? finished)
    {
        var clock = Stopwatch.StartNew();
        PrepareFolder(runFolder, resume);

        // Data: scanned (and its report saved) on every run, so a resumed run checks its files again.
        var (split, reports) = DatasetSplit.FromFolderWithReports(
            dataFolder,
            new ImageFolderOptions { Classes = options.Classes, PerClass = options.PerClass },
            new SplitOptions { TrainFraction = options.TrainFraction, Seed = options.Seed });
        foreach (var (name, report) in reports)
        {
            AtomicFile.WriteAllText(Path.Combine(runFolder, name), report.ToJson());
            foreach (string line in report.Summary())
            {
                output.WriteLine(line);
            }
        }

        if (split.Train.Count == 0 || split.Validation.Count == 0)
        {
            throw new TenniException($"the split leaves {split.Train.Count} training and {split.Validation.Count} validation images; add images or change --split (now {options.TrainFraction})");
        }

        if (resume)
        {
            // A resumed run must see exactly the images it started with, on the same sides.
            var saved = DatasetSplit.Load(runFolder, split.Classes);
            static IEnumerable<(string, string)> Keys(IReadOnlyList<ImageSample> samples) => samples.Select(s => (s.Path, s.ContentHash));
            if (!Keys(saved.Train).SequenceEqual(Keys(split.Train)) || !Keys(saved.Validation).SequenceEqual(Keys(split.Validation)))
            {
                throw new TenniException($"the data in '{dataFolder}' changed since this run started (files added, removed or edited), so its split differs from {DatasetSplit.TrainFile}/{DatasetSplit.ValidationFile}; resume needs the same images, or start a new run");
            }
        }
        else
        {
            split.Save(runFolder);
        }

        output.WriteLine($"split: {split.Method}: {split.Train.Count} training, {split.Validation.Count} validation images");

        // Model: source cut at a layer, new head, frozen but the chosen layers.
        using var source = SourceModel.Load(options.Model, new SourceModelOptions { WeightsPath = options.Weights, Preprocessing = options.Preprocessing, WidthDivisor = options.WidthDivisor });
        string layer = options.Layer ?? source.Descriptor.DefaultLayer;
        ApplyFreezing(source, options);
        using var model = new ClassifierModel(source, layer, split.Classes.Count, options.Seed);
        if (options.InitialModel is { } parent)
        {
            LoadParent(model, parent, layer, split.Classes);
            output.WriteLine($"start: weights of the trained model in {parent}");
        }

        var cache = CachePlan.Decide(model, options);
        output.WriteLine($"model: {source.Descriptor.Name} cut at {layer}, head {model.Head.weight!.shape[1]} → {split.Classes.Count}; training {(options.TrainLayers.Count == 0 ? "the head only" : string.Join(", ", options.TrainLayers) + " and the head")}");
        output.WriteLine($"cache: {(cache.Enabled ? "on" : "off")}: {cache.Reason}");
        WriteConfig(runFolder, dataFolder, options, layer, split, cache, source);

        var (train, validation, stores) = Batches(model, split, options, cache, runFolder, extraction, output);
        try
        {
            var optimizer = CreateOptimizer(model, options, out var baseRates);
            long totalIterations = (long)options.Epochs * train.BatchCount;
            var updater = new StandardUpdater(model, train, optimizer, iteration =>
            {
                double factor = options.Schedule.Factor(iteration, totalIterations);
                for (int i = 0; i < baseRates.Length; i++)
                {
                    optimizer.ParamGroups.ElementAt(i).LearningRate = baseRates[i] * factor;
                }
            }, options.Seed);
            var trainer = new Trainer(updater, options.Epochs, runFolder);
            var log = new LogReport(Path.Combine(runFolder, options.LogName));
            var best = new BestModel(model, runFolder, folder => TrainedModelDescription.Write(folder, model, split.Classes));
            var snapshot = new Snapshot(model, (OptimizerHelper)optimizer, log, best, runFolder);
            trainer.Extend(new Evaluator(model, validation));
            trainer.Extend(log);
            trainer.Extend(new PrintReport(log, output));
            trainer.Extend(new PlotReport(log, runFolder));
            trainer.Extend(best);
            trainer.Extend(new ProgressReport(output));
            trainer.Extend(snapshot);
            if (options.EarlyStoppingPatience is int patience)
            {
                trainer.Extend(new EarlyStopping(log, patience, output));
            }

            if (options.StopAfterEpoch is int stop)
            {
                trainer.Extend(new StopAtEpoch(stop));
            }

            if (resume && Snapshot.Exists(runFolder))
            {
                snapshot.Restore(trainer);
                output.WriteLine($"resumed after epoch {trainer.Updater.Epoch} (iteration {trainer.Updater.Iteration})");
            }

            trainer.Run();
            finished?.Invoke(model);

            TensorFile.Save(Path.Combine(runFolder, "model.safetensors"), model.TrainableState());
            TrainedModelDescription.Write(runFolder, model, split.Classes);
            var result = new TrainingResult(runFolder, best.BestAccuracy, best.BestEpoch, trainer.Updater.Epoch, log.Path, cache.Enabled, clock.Elapsed.TotalSeconds);
            output.WriteLine($"done: best validation accuracy {best.BestAccuracy:0.####} at epoch {best.BestEpoch} of {trainer.Updater.Epoch}, {result.Seconds:F1} s; run folder {runFolder} (log {options.LogName}, accuracy.png, loss.png, best/, model.safetensors)");
            return result;
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    private static void LoadParent(ClassifierModel model, string parent, string layer, IReadOnlyList<string> classes)
    {
        if (!File.Exists(Path.Combine(parent, TrainedModelDescription.FileName)))
        {
            throw new TenniException($"'{parent}' holds no trained model (model.json) to continue from");
        }

        var info = TrainedModelDescription.Read(parent);
        string parentClasses = string.Join(", ", info.Classes);
        if (info.SourceSha256 != model.Source.WeightsHash || info.Layer != layer || parentClasses != string.Join(", ", classes))
        {
            throw new TenniException($"'{parent}' was trained with another source, cut layer or classes ({info.SourceModel}, {info.Layer}, [{parentClasses}]); continuing needs the same (now {model.Source.Descriptor.Name}, {layer}, [{string.Join(", ", classes)}])");
        }

        model.LoadStateFrom(info.WeightsPath);
    }

    // The cache folder is written throughout the run: a file, FIFO or read-only place in its stead is
    // found here, with a message, not as an unexpected error halfway through.
    private static string WritableFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".tenni-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TenniException($"cache folder '{folder}' cannot be written ({e.Message}); pass --cache-dir a folder you can write, or --no-cache");
        }
    }

    private static void PrepareFolder(string runFolder, bool resume)
    {
        var status = FileStatus.Of(runFolder);
        if (status.Kind is not (FileKind.Missing or FileKind.Directory))
        {
            throw new TenniException($"run folder '{runFolder}' is {RegularFile.Name(status.Kind)}; expected a folder to create or a run folder to resume");
        }

        foreach (string part in new[] { "snapshot", "best" })
        {
            // Snapshots are replaced by renames and deletes: through a link they would delete another run's files.
            var inner = FileStatus.Of(Path.Combine(runFolder, part), followLinks: false);
            if (inner.Kind is not (FileKind.Missing or FileKind.Directory))
            {
                throw new TenniException($"'{Path.Combine(runFolder, part)}' is {(inner.Kind == FileKind.SymbolicLink ? "a link" : RegularFile.Name(inner.Kind))}; a run's {part}/ must be a folder inside it");
            }
        }

        if (!resume && !Snapshot.Exists(runFolder) && Directory.Exists(runFolder) && Directory.EnumerateFileSystemEntries(runFolder).Any())
        {
            throw new TenniException($"'{runFolder}' exists, holds files and is not a training run; Tenni does not write among other files: choose a new or empty --out");
        }

        if (resume && !Snapshot.Exists(runFolder))
        {
            throw new TenniException($"nothing to resume in '{runFolder}': it holds no snapshot; run without --resume to start");
        }

        if (!resume && Snapshot.Exists(runFolder))
        {
            throw new TenniException($"'{runFolder}' already holds a training run; add --resume to continue it, or choose another --out");
        }

        Directory.CreateDirectory(runFolder);
    }

    private static void ApplyFreezing(SourceModel source, TrainOptions options)
    {
        source.SetTrainable(false);
        foreach (string layer in options.TrainLayers)
        {
            source.SetTrainable(true, layer);
        }

        foreach (OnnxLayer layer in source.BatchStatisticsLayers.Where(l => !l.IsTrainable))
        {
            switch (options.FrozenBatchNorm)
            {
                case FrozenBatchNorm.AffineTrainable:
                    layer.SetTrainable(true);
                    layer.BatchStatistics = false;
                    break;
                case FrozenBatchNorm.Trainable:
                    layer.SetTrainable(true);
                    layer.BatchStatistics = true;
                    break;
            }
        }
    }

    private static (BatchSource Train, BatchSource Validation, List<FeatureStore> Stores) Batches(ClassifierModel model, DatasetSplit split, TrainOptions options, CachePlan cache, string runFolder, IProgress<ExtractionProgress>? extraction, TextWriter output)
    {
        var preprocessing = model.Source.Preprocessing;
        var trainLoader = new DataLoader(split.Train, preprocessing, new DataLoaderOptions { BatchSize = options.BatchSize, Shuffle = true, Seed = options.Seed, Augmentation = options.Augmentation });
        var valLoader = new DataLoader(split.Validation, preprocessing, new DataLoaderOptions { BatchSize = options.BatchSize, Shuffle = false });
        if (!cache.Enabled)
        {
            string input = model.Source.Graph.InputName;
            return (new ImageBatchSource(trainLoader, input, split.Train.Count), new ImageBatchSource(valLoader, input, split.Validation.Count), []);
        }

        var features = new FeatureCache(model, cache.Tensor!, WritableFolder(options.CacheFolder ?? FeatureCache.DefaultRoot()));
        var stores = new List<FeatureStore>
        {
            features.Load(split.Train, extraction, Path.Combine(runFolder, "cache"), output),
            features.Load(split.Validation, extraction, Path.Combine(runFolder, "cache"), output),
        };
        return (
            new CachedBatchSource(stores[0], split.Train, trainLoader, cache.Tensor!, options.BatchSize),
            new CachedBatchSource(stores[1], split.Validation, valLoader, cache.Tensor!, options.BatchSize),
            stores);
    }

    /// <summary>One parameter group per distinct learning rate: trained source layers (per-layer overrides) and the head at its scale.</summary>
    private static optim.Optimizer CreateOptimizer(ClassifierModel model, TrainOptions options, out double[] baseRates)
    {
        var rateOf = new Dictionary<OnnxLayer, double>();
        foreach (var (name, rate) in options.LayerLearningRates)
        {
            foreach (var layer in model.Source.LayersOf(name))
            {
                rateOf[layer] = rate;
            }
        }

        var groups = model.Source.Graph.Layers
            .SelectMany(l => l.parameters().Where(p => p.requires_grad).Select(p => (Rate: rateOf.GetValueOrDefault(l, options.LearningRate), Parameter: p)))
            .Concat(model.Head.parameters().Select(p => (Rate: options.LearningRate * options.HeadLearningRateScale, Parameter: p)))
            .GroupBy(x => x.Rate)
            .Select(g => (Rate: g.Key, Parameters: g.Select(x => x.Parameter).ToList()))
            .ToList();
        baseRates = groups.Select(g => g.Rate).ToArray();
        return options.Optimizer switch
        {
            OptimizerKind.Adam => optim.Adam(groups.Select(g => new Adam.ParamGroup(g.Parameters, g.Rate, 0.9, 0.999, 1e-8, options.WeightDecay, false, false)), options.LearningRate),
            OptimizerKind.AdamW => optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, g.Rate, 0.9, 0.999, 1e-8, options.WeightDecay == 0 ? 0.01 : options.WeightDecay, false, false)), options.LearningRate),
            _ => optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Parameters, g.Rate, options.Momentum, 0, options.WeightDecay, false, false)), options.LearningRate, options.Momentum),
        };
    }

    private static void WriteConfig(string runFolder, string dataFolder, TrainOptions options, string layer, DatasetSplit split, CachePlan cache, SourceModel source)
    {
        var config = new Dictionary<string, object?>
        {
            ["data"] = Path.GetFullPath(dataFolder),
            ["options"] = options,
            ["layer"] = layer,
            ["classes"] = split.Classes,
            ["split"] = split.Method,
            ["cache"] = new { enabled = cache.Enabled, tensor = cache.Tensor, layer = cache.Layer, reason = cache.Reason },
            ["source_weights"] = source.WeightsPath,
            ["source_sha256"] = source.WeightsHash,
            ["parent"] = options.InitialModel is null ? null : Path.GetFullPath(options.InitialModel),
            ["tenni_version"] = typeof(TrainingRun).Assembly.GetName().Version?.ToString(),
        };
        var json = JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } });
        AtomicFile.WriteAllText(Path.Combine(runFolder, "config.json"), json);
    }
}
