using System.Diagnostics;
using Tenni.Features;
using Tenni.Models;
using Tenni.Training.Extensions;
using Tenni.Training;

namespace Tenni;

/// <summary>
/// The one call (fastai's <c>fine_tune</c>, the chapter end to end): scan and split the data, load the
/// source model, freeze, cut it and add a head, cache what is frozen, train with Chainer's extensions,
/// and leave everything in a run folder. <see cref="Fit"/> is its training loop. Each step is a public
/// part (<see cref="RunFolder"/>, <see cref="Freezing"/>, <see cref="CachePlan"/>,
/// <see cref="TrainingBatches"/>, <see cref="TrainingOptimizer"/>, <see cref="Trainer"/> and its
/// extensions) to compose differently.
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
        RequireDataFolder(dataFolder); // before the run folder exists: one inside a missing data folder would create it
        var clock = Stopwatch.StartNew();
        var run = RunFolder.Prepare(runFolder, resume);
        return run.RemoveIfFailedEarly(() =>
        {
            var split = run.RecordData(dataFolder, options, output);
            using var source = SourceModel.Load(options.Model, new SourceModelOptions { WeightsPath = options.Weights, Preprocessing = options.Preprocessing, WidthDivisor = options.WidthDivisor });
            source.Freeze(options.TrainLayers, options.FrozenBatchNorm);
            using var model = new ClassifierModel(source, options.Layer ?? source.Descriptor.DefaultLayer, split.Classes.Count, options.Seed);
            if (options.InitialModel is { } parent)
            {
                ReadParent(parent).LoadInto(model, split.Classes);
                output.WriteLine($"start: weights of the trained model in {parent}");
            }

            var cache = CachePlan.Decide(model, options);
            output.WriteLine($"model: {source.Descriptor.Name} cut at {model.CutLayer}, head {model.Head.weight!.shape[1]} → {split.Classes.Count}; training {(options.TrainLayers.Count == 0 ? "the head only" : string.Join(", ", options.TrainLayers) + " and the head")}");
            output.WriteLine($"cache: {(cache.Enabled ? "on" : "off")}: {cache.Reason}");
            run.WriteConfig(dataFolder, options, model, split, cache);
            var fitted = Fit(model, split, cache, run, options, output, extraction);
            finished?.Invoke(model);
            run.SaveModel(model, split.Classes);
            var result = fitted with { Seconds = clock.Elapsed.TotalSeconds }; // the whole run, not only the loop
            output.WriteLine($"done: best validation accuracy {result.BestAccuracy:0.####} at epoch {result.BestEpoch} of {result.EpochsDone}, {result.Seconds:F1} s; run folder {run.Path} (log {options.LogName}, accuracy.png, loss.png, best/, model.safetensors)");
            return result;
        });
    }

    /// <summary>
    /// The recipe's training loop on a model already built (fastai's <c>fit</c> under <c>fine_tune</c>):
    /// batches (cached when <paramref name="cache"/> allows), the optimizer with its parameter groups, and
    /// Chainer's trainer with the chapter's extensions (schedule, evaluator, log, printed table, plots,
    /// best model, progress, snapshots; early stopping if asked), resumed from the run's snapshot if
    /// <see cref="RunFolder.Resume"/>.
    /// </summary>
    public static TrainingResult Fit(ClassifierModel model, DatasetSplit split, CachePlan cache, RunFolder run, TrainOptions options, TextWriter output, IProgress<ExtractionProgress>? extraction = null)
    {
        var clock = Stopwatch.StartNew();
        using var batches = TrainingBatches.Create(model, split, options, cache, run.ScratchFolder, extraction, output);
        var optimizer = TrainingOptimizer.Create(model, options);
        var trainer = new Trainer(new StandardUpdater(model, batches.Train, optimizer.Optimizer, options.Seed), options.Epochs, run.Path);
        var log = new LogReport(Path.Combine(run.Path, options.LogName));
        var best = new BestModel(folder => TrainedModelFile.Save(folder, model, split.Classes), run.BestFolder);
        var snapshot = new Snapshot(run.Path);
        trainer.Extend(new LearningRateScheduler(optimizer, options.Schedule));
        trainer.Extend(new Evaluator(model, batches.Validation));
        trainer.Extend(log);
        trainer.Extend(new PrintReport(log, output));
        trainer.Extend(new PlotReport(log, run.Path));
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

        if (run.Resume)
        {
            snapshot.Restore(trainer);
            output.WriteLine($"resumed after epoch {trainer.Updater.Epoch} (iteration {trainer.Updater.Iteration})");
        }

        trainer.Run();
        return new TrainingResult(run.Path, best.BestAccuracy, best.BestEpoch, trainer.Updater.Epoch, log.Path, cache.Enabled, clock.Elapsed.TotalSeconds);
    }

    private static void RequireDataFolder(string dataFolder)
    {
        if (!Directory.Exists(dataFolder))
        {
            throw new TenniException(File.Exists(dataFolder)
                ? $"data folder '{dataFolder}' is a file; expected a folder with one sub-folder per class"
                : $"data folder '{dataFolder}' does not exist; expected a folder with one sub-folder per class");
        }
    }

    private static TrainedModelFile ReadParent(string parent) => TrainedModelFile.Exists(parent)
        ? TrainedModelFile.Read(parent)
        : throw new TenniException($"'{parent}' holds no trained model (model.json) to continue from");
}
