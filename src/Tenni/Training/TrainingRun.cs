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
    /// <param name="dataFolder">Class folders, or <c>train/</c> and <c>val/</c> trees of them, or a labels file (<see cref="Data.LabelsCsv"/>: a <c>.csv</c> file).</param>
    /// <param name="runFolder">Where the run's files go (created; must not hold a run unless resuming).</param>
    /// <param name="options">The recipe; defaults are the chapter's.</param>
    /// <param name="output">Summary, epoch table and progress lines.</param>
    /// <param name="resume">Continue from the run folder's last snapshot.</param>
    /// <param name="extraction">Progress of computing cached activations.</param>
    /// <param name="finished">Called with the trained model before it is disposed (inspection, tests).</param>
    /// <param name="training">Progress after each iteration, for a live display; null: plain progress lines in <paramref name="output"/>.</param>
    public static TrainingResult Train(string dataFolder, string runFolder, TrainOptions options, TextWriter output, bool resume = false, IProgress<ExtractionProgress>? extraction = null, Action<ClassifierModel>? finished = null, IProgress<TrainingProgress>? training = null)
    {
        options.Validate();
        RequireDataFolder(dataFolder); // before the run folder exists: one inside a missing data folder would create it
        return Run(runFolder, dataFolder, options, output, resume, (run, source) => ScanAndExtract(run, dataFolder, options, source, output, extraction), null,
            (model, split, cache, run) => TrainingBatches.Create(model, split, options, cache, run.ScratchFolder, extraction, output), finished, training, options.Report);
    }

    /// <summary>
    /// <see cref="Train"/> from a merged sharded feature store (<c>tenni extract --shard</c>, <c>tenni
    /// features merge</c>) instead of images: the classes, content hashes and sizes come from the store's
    /// manifest, the split is the one <see cref="Train"/> makes of the extracted folder, and the rows are
    /// read from the store as the training cache's would be, so the log is the same. No image is read;
    /// no report is written (it would evaluate the validation photos).
    /// </summary>
    /// <param name="store">A merged feature store folder.</param>
    public static TrainingResult TrainFromFeatures(string store, string runFolder, TrainOptions options, TextWriter output, bool resume = false, Action<ClassifierModel>? finished = null, IProgress<TrainingProgress>? training = null)
    {
        options.Validate();
        var features = MergedStore.Open(store); // before the run folder exists, as for a data folder
        options = options with { Layer = options.Layer ?? features.Metadata.Layer };
        var trained = Run(runFolder, store, options, output, resume,
            (run, _) =>
            {
                var (split, reports) = features.Split(options);
                var recorded = run.RecordSplit(split, reports, store, options, output);
                // Reading a million-line manifest, splitting and saving it leave hundreds of megabytes of
                // garbage the collector would keep committed through training: return it now, before the
                // model loads, so the run's memory is what training needs (docs/scale-out.md).
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                return recorded;
            },
            features.Check, (model, split, _, _) => TrainingBatches.FromStore(model, split, options, features), finished, training, report: false);
        output.WriteLine($"report: none for a run trained from a feature store (it would read the validation photos); 'tenni report --run {runFolder}' writes it where they are reachable");
        return trained;
    }

    // The run both entry points share: record the data, build and freeze the model, decide cache and
    // head solver, fit, save, report. `check` vets the model and cache plan before anything is written.
    // `record` gets the frozen source on demand: a folder scan feeds the activation cache from its
    // decode (so it loads the model first); a store's manifest is read before the model loads.
    private static TrainingResult Run(string runFolder, string dataFolder, TrainOptions options, TextWriter output, bool resume, Func<RunFolder, Func<SourceModel>, DatasetSplit> record,
        Action<ClassifierModel, CachePlan>? check, Func<ClassifierModel, DatasetSplit, CachePlan, RunFolder, TrainingBatches> batches,
        Action<ClassifierModel>? finished, IProgress<TrainingProgress>? training, bool report)
    {
        var clock = Stopwatch.StartNew();
        var run = RunFolder.Prepare(runFolder, resume);
        return run.RemoveIfFailedEarly(() =>
        {
            SourceModel? loaded = null;
            SourceModel Load()
            {
                if (loaded is null)
                {
                    loaded = SourceModel.Load(options.Model, options.SourceOptions);
                    loaded.Freeze(options.TrainLayers, options.FrozenBatchNorm);
                }

                return loaded;
            }

            DatasetSplit split;
            try
            {
                split = record(run, Load);
            }
            catch
            {
                loaded?.Dispose();
                throw;
            }

            using var source = Load();
            using var model = new ClassifierModel(source, options.Layer ?? source.Descriptor.DefaultLayer, split.Classes.Count, options.Seed);
            if (options.InitialModel is { } parent)
            {
                ReadParent(parent).LoadInto(model, split.Classes);
                output.WriteLine($"start: weights of the trained model in {parent}");
            }

            var cache = CachePlan.Decide(model, options);
            check?.Invoke(model, cache);
            var head = HeadSolverChoice.Decide(options, model, cache, split);
            output.WriteLine($"model: {source.Descriptor.Name} cut at {model.CutLayer}, head {model.Head.weight!.shape[1]} → {split.Classes.Count}; training {(options.TrainLayers.Count == 0 ? "the head only" : string.Join(", ", options.TrainLayers) + " and the head")}");
            output.WriteLine($"cache: {(cache.Enabled ? "on" : "off")}: {cache.Reason}");
            output.WriteLine($"precision: {source.PrecisionReason}");
            output.WriteLine($"head: {(head.Solver == HeadSolver.Lbfgs ? "L-BFGS" : options.Optimizer.ToString())}: {head.Reason}");
            run.WriteConfig(dataFolder, options, model, split, cache, head);
            using var made = batches(model, split, cache, run);
            var fitted = FitWith(made, model, split, cache, head, run, options, output, training);
            finished?.Invoke(model);
            if (fitted.MultiLabel is { } scores)
            {
                MultiLabelValidation.Save(scores, run.Path);
                foreach (string line in scores.Summary())
                {
                    output.WriteLine(line);
                }
            }

            run.SaveModel(model, split.Classes, fitted.Head, fitted.MultiLabel?.Threshold);
            var result = fitted with { Seconds = clock.Elapsed.TotalSeconds }; // the whole run, not only the loop
            output.WriteLine($"done: best validation {(options.MultiLabel ? "per-label " : "")}accuracy {result.BestAccuracy:0.####} at epoch {result.BestEpoch} of {result.EpochsDone}, {result.Seconds:F1} s; run folder {run.Path} (log {options.LogName}, accuracy.png, loss.png, best/, model.safetensors)");
            if (report)
            {
                WriteReport(run.Path, options, output, () => ReportFromCache(model, split, options, cache, run, output));
            }

            return result;
        });
    }

    // The data scan decodes every image to check it; when the frozen layers' output will be cached, the
    // scan's decode also feeds the cache (ScanExtraction), so no image is decoded twice, and where the
    // preprocessing is known before the weights are read, the scan starts while the model loads. Runs
    // continuing a parent model (whose source state is part of the cache key) and labels files load the
    // model, then scan as before.
    private static DatasetSplit ScanAndExtract(RunFolder run, string dataFolder, TrainOptions options, Func<SourceModel> source, TextWriter output, IProgress<ExtractionProgress>? extraction)
    {
        if (options.InitialModel is not null || Data.LabelsCsv.IsLabelsFile(dataFolder))
        {
            source();
            return run.RecordData(dataFolder, options, output);
        }

        var fit = SourceModel.PreprocessingBeforeLoad(options.Model, options.SourceOptions) ?? source().Preprocessing;
        return new ScanExtraction(fit, output, extraction).Run(
            (decoded, cancel) => run.RecordData(dataFolder, options, output, decoded, cancel),
            () => OpenCache(source(), options));
    }

    // The activation cache the run will read, or null when nothing is cached (the plan says why, later).
    // Its frozen copy is built here, while the scan's workers still decode.
    private static FeatureCache? OpenCache(SourceModel source, TrainOptions options)
    {
        var plan = CachePlan.Decide(source, source.Resolve(options.Layer ?? source.Descriptor.DefaultLayer), options);
        if (!plan.Enabled)
        {
            return null;
        }

        source.PrepareFrozen([plan.Tensor!]);
        return new FeatureCache(source, null, plan.Tensor!, TrainingBatches.WritableFolder(options.CacheFolder ?? FeatureCache.DefaultRoot()));
    }

    // The report's model (best/ when the run has one) scored from the cached validation rows by the model
    // in memory; null when they are not cached (then the report loads the model and predicts the photos).
    private static bool ReportFromCache(ClassifierModel model, DatasetSplit split, TrainOptions options, CachePlan cache, RunFolder run, TextWriter output)
    {
        string modelFolder = TrainedClassifier.ModelFolder(run.Path);
        if (CachedValidation.Evaluate(model, split, options, cache, run, modelFolder, output) is not { } evaluation)
        {
            return false;
        }

        output.WriteLine($"report: {RunReport.Write(run.Path, modelFolder, evaluation, TrainedModelFile.Read(modelFolder).Training)}");
        return true;
    }

    // The model is saved by now: a report that cannot be written costs one warning line, never the run
    // (the run is complete; 'tenni report --run' can write the page again once the cause is fixed).
    private static void WriteReport(string runFolder, TrainOptions options, TextWriter output, Func<bool> fromCache)
    {
        if (options.MultiLabel)
        {
            // The report's evaluation is single-label (confusion matrix, per-class recall); a multi-label
            // run's scores are in its multilabel-evaluation.json, printed above.
            output.WriteLine($"report: none for multi-label runs; the validation scores are in {Path.Combine(runFolder, MultiLabelValidation.FileName)}");
            return;
        }

        try
        {
            if (!fromCache())
            {
                output.WriteLine($"report: {RunReport.Write(runFolder, sourceWeights: options.Weights)}");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            output.WriteLine($"warning: {RunReport.FileName} not written ({e.GetType().Name}: {e.Message.Split('\n')[0]}); the trained model is saved; retry with 'tenni report --run {runFolder}'");
        }
    }

    /// <summary>
    /// The recipe's training loop on a model already built (fastai's <c>fit</c> under <c>fine_tune</c>):
    /// batches (cached when <paramref name="cache"/> allows) and Chainer's trainer with the chapter's
    /// extensions (evaluator, log, printed table, plots, best model, progress, snapshots; early stopping
    /// if asked), resumed from the run's snapshot if <see cref="RunFolder.Resume"/>. The head's
    /// <paramref name="head"/> (<see cref="HeadSolverChoice"/>) supplies the updater: epochs of the
    /// optimizer on batches with its learning-rate schedule, or one L-BFGS fit per L2 strength scored on
    /// held-out photos (the validation split, or K-fold cross-validation), the best calibrated held-out loss
    /// kept (and refitted on all photos if <see cref="TrainOptions.Refit"/>).
    /// </summary>
    public static TrainingResult Fit(ClassifierModel model, DatasetSplit split, CachePlan cache, HeadSolverChoice head, RunFolder run, TrainOptions options, TextWriter output, IProgress<ExtractionProgress>? extraction = null, IProgress<TrainingProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        using var batches = TrainingBatches.Create(model, split, options, cache, run.ScratchFolder, extraction, output);
        return FitWith(batches, model, split, cache, head, run, options, output, progress, clock);
    }

    private static TrainingResult FitWith(TrainingBatches batches, ClassifierModel model, DatasetSplit split, CachePlan cache, HeadSolverChoice head, RunFolder run, TrainOptions options, TextWriter output, IProgress<TrainingProgress>? progress, Stopwatch? clock = null)
    {
        clock ??= Stopwatch.StartNew();
        var loss = options.Loss(split);
        bool lbfgs = head.Solver == HeadSolver.Lbfgs;
        using var solverUpdater = lbfgs ? LbfgsFor(model, batches, head.Folds, options, loss.ClassWeights) : null;
        var fewPhotos = !head.WarmStart ? null
            : run.Resume ? FewPhotoFineTuning.Resume(run.Path) // the snapshot holds the trained state; the baseline is in its folder
            : FewPhotoFineTuning.Start(model, batches, split.Classes, options, loss.ClassWeights, run.Path, output);
        var optimizer = lbfgs ? null : TrainingOptimizer.Create(model, head.WarmStart ? FewPhotoFineTuning.Settings(options) : options);
        IUpdater updater = solverUpdater ?? (IUpdater)new StandardUpdater(model, batches.Train, optimizer!.Optimizer, options.Seed, loss);
        var trainer = new Trainer(updater, lbfgs ? options.L2Grid.Count : options.Epochs, run.Path);
        var log = new LogReport(Path.Combine(run.Path, options.LogName));
        // best/ is saved before the threshold is tuned: it holds --threshold, or 0.5 (docs/training.md).
        double? bestThreshold = options.MultiLabel ? options.Threshold ?? 0.5 : null;
        var best = new BestModel(folder => TrainedModelFile.Save(folder, model, split.Classes, Record(solverUpdater) ?? fewPhotos?.FineTuned, bestThreshold), run.BestFolder);
        var snapshot = new Snapshot(run.Path);
        if (optimizer is not null)
        {
            trainer.Extend(new LearningRateScheduler(optimizer, options.Schedule));
        }

        if (!lbfgs)
        {
            trainer.Extend(new Evaluator(model, batches.Validation)); // the L-BFGS updater scores its own held-out photos
        }

        trainer.Extend(log);
        trainer.Extend(new PrintReport(log, output, lbfgs ? PrintReport.SolverColumns : null));
        trainer.Extend(new PlotReport(log, run.Path));
        trainer.Extend(best, lbfgs || head.WarmStart ? new MinValueTrigger(ObservationKeys.ValidationLoss) : null); // L-BFGS: the best calibrated held-out loss
        trainer.Extend(new ProgressReport(output, live: progress));
        trainer.Extend(snapshot);
        if (head.WarmStart)
        {
            trainer.Extend(new EarlyStopping(log, options.EarlyStoppingPatience ?? FewPhotoFineTuning.DefaultPatience, output, ObservationKeys.ValidationLoss, higherIsBetter: false));
        }
        else if (options.EarlyStoppingPatience is int patience)
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

        HeadStepThreads.Run(HeadStepThreads.SingleThreaded(model, cache, options.BatchSize), trainer.Run);
        HeadTraining? training = null;
        var (bestAccuracy, bestEpoch) = (best.BestAccuracy, best.BestEpoch);
        if (solverUpdater is not null)
        {
            training = FinishSolver(model, solverUpdater, best, log, options, output);
        }
        else if (fewPhotos is not null)
        {
            (training, bool fineTuned) = fewPhotos.Finish(model, split.Classes, log, best, output);
            if (!fineTuned)
            {
                (bestAccuracy, bestEpoch) = (fewPhotos.BaselineAccuracy, 0);
            }
        }
        else
        {
            HeadConvergence.WarnIfStillImproving(log.Entries, output);
        }

        // Scored with the final weights, the ones the run folder's model holds.
        var multiLabel = options.MultiLabel ? MultiLabelValidation.Evaluate(model, batches.Validation, split.Classes, options.Threshold) : null;
        return new TrainingResult(run.Path, bestAccuracy, bestEpoch, trainer.Updater.Epoch, log.Path, cache.Enabled, clock.Elapsed.TotalSeconds, training) { MultiLabel = multiLabel };
    }

    private static LbfgsUpdater LbfgsFor(ClassifierModel model, TrainingBatches batches, int folds, TrainOptions options, IReadOnlyList<double>? classWeights)
    {
        var (train, trainLabels) = LbfgsUpdater.Collect(batches.Train);
        var (validation, validationLabels) = LbfgsUpdater.Collect(batches.Validation);
        using (train)
        using (trainLabels)
        using (validation)
        using (validationLabels)
        {
            return new(model, model.Head, (train, trainLabels), (validation, validationLabels), options.L2Grid, folds, options.Seed, classWeights);
        }
    }

    // best/ holds the chosen fit; a refit on the validation split comes after the trainer and is not in it.
    private static HeadTraining? Record(LbfgsUpdater? solver) =>
        solver is null ? null : new HeadTraining(HeadSolver.Lbfgs, solver.CurrentL2, Refit: solver.FoldCount > 0, solver.FoldCount, solver.CurrentTemperature);

    // The chosen strength is the best model's: load it back (the last fit is the weakest), then refit it
    // on every photo if asked (cross-validation has already fitted the head on all of them).
    private static HeadTraining FinishSolver(ClassifierModel model, LbfgsUpdater solver, BestModel best, LogReport log, TrainOptions options, TextWriter output)
    {
        var chosen = log.Entries.First(e => (int)e[ObservationKeys.Epoch] == best.BestEpoch);
        double l2 = chosen[ObservationKeys.L2];
        double? temperature = chosen.TryGetValue(ObservationKeys.Temperature, out double t) ? t : null; // absent in logs of older runs being resumed
        model.LoadStateFrom(Path.Combine(best.Folder, TrainedModelFile.WeightsName));
        string heldOut = solver.FoldCount > 0 ? $"{solver.FoldCount}-fold cross-validation" : "the validation photos";
        output.WriteLine($"head: L-BFGS chose l2 = {Strength(l2)} of [{string.Join(", ", options.L2Grid.Select(Strength))}] on {heldOut}: held-out accuracy {best.BestAccuracy:0.####}, loss {chosen[ObservationKeys.ValidationLoss]:0.####} at temperature {temperature ?? 1:0.###}");
        if (solver.FoldCount > 0)
        {
            output.WriteLine($"head: fitted on all {solver.FittedPhotos} photos (training + validation); the held-out numbers come from the folds");
            return new HeadTraining(HeadSolver.Lbfgs, l2, Refit: true, solver.FoldCount, temperature);
        }

        if (!options.Refit)
        {
            return new HeadTraining(HeadSolver.Lbfgs, l2, Refit: false, Temperature: temperature);
        }

        int photos = solver.Refit(l2, temperature ?? 1);
        output.WriteLine($"refit: l2 = {Strength(l2)} on all {photos} photos (training + validation); the validation numbers above come from before the refit");
        return new HeadTraining(HeadSolver.Lbfgs, l2, Refit: true, Temperature: temperature);
    }

    private static string Strength(double l2) => l2.ToString("G3", System.Globalization.CultureInfo.InvariantCulture);

    private static void RequireDataFolder(string dataFolder)
    {
        if (!Directory.Exists(dataFolder) && !Data.LabelsCsv.IsLabelsFile(dataFolder))
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
