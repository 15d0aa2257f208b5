using System.Text.Json;
using System.Text.Json.Serialization;
using Tenni.Data;
using Tenni.Features;
using Tenni.IO;
using Tenni.Training.Extensions;

namespace Tenni.Training;

/// <summary>
/// A training run's folder: prepared (a new or empty folder, or one to resume), then the record of what
/// the run used (data reports, split, configuration), its log, plots, snapshots, <c>best/</c> and the final
/// model. Every file is written atomically. A new run that fails before its first snapshot is removed,
/// since it cannot be resumed (only a folder this run created; nothing of the user's is in it).
/// </summary>
public sealed class RunFolder
{
    private readonly bool _created;

    private RunFolder(string path, bool resume, bool created)
    {
        Path = path;
        Resume = resume;
        _created = created;
    }

    public string Path { get; }

    /// <summary>Continuing the run whose last snapshot is in this folder.</summary>
    public bool Resume { get; }

    public string BestFolder => System.IO.Path.Combine(Path, "best");

    /// <summary>Extraction's working files for this run.</summary>
    public string ScratchFolder => System.IO.Path.Combine(Path, "cache");

    /// <summary>Checks <paramref name="path"/> can hold this run (new, empty, or a run to resume) and creates it.</summary>
    public static RunFolder Prepare(string path, bool resume)
    {
        var status = FileStatus.Of(path);
        if (status.Kind is not (FileKind.Missing or FileKind.Directory))
        {
            throw new TenniException($"run folder '{path}' is {RegularFile.Name(status.Kind)}; expected a folder to create or a run folder to resume");
        }

        foreach (string part in new[] { Snapshot.FolderName, "best" })
        {
            // Snapshots are replaced by renames and deletes: through a link they would delete another run's files.
            var inner = FileStatus.Of(System.IO.Path.Combine(path, part), followLinks: false);
            if (inner.Kind is not (FileKind.Missing or FileKind.Directory))
            {
                throw new TenniException($"'{System.IO.Path.Combine(path, part)}' is {(inner.Kind == FileKind.SymbolicLink ? "a link" : RegularFile.Name(inner.Kind))}; a run's {part}/ must be a folder inside it");
            }
        }

        bool snapshot = Snapshot.Exists(path);
        if (!resume && !snapshot && Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new TenniException($"'{path}' exists, holds files and is not a training run; Tenni does not write among other files: choose a new or empty --out");
        }

        if (resume && !snapshot)
        {
            throw new TenniException($"nothing to resume in '{path}': it holds no snapshot; run without --resume to start");
        }

        if (!resume && snapshot)
        {
            throw new TenniException($"'{path}' already holds a training run; add --resume to continue it, or choose another --out");
        }

        bool created = !Directory.Exists(path);
        Directory.CreateDirectory(path);
        return new RunFolder(path, resume, created);
    }

    /// <summary>Runs <paramref name="work"/>; if it fails before the first snapshot of a folder this run created, removes the folder.</summary>
    public T RemoveIfFailedEarly<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch when (_created && !Snapshot.Exists(Path) && Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Scans and splits the data (its reports saved and printed on every run, so a resumed run checks its
    /// files again) and records the split; a resumed run must find exactly the images it started with.
    /// </summary>
    public DatasetSplit RecordData(string dataFolder, TrainOptions options, TextWriter output) => RecordData(dataFolder, options, output, null);

    /// <param name="decoded">Given each image as the scan decodes it (the activation cache fills from that decode).</param>
    /// <param name="cancel">Stops the scan (the run it feeds has failed).</param>
    internal DatasetSplit RecordData(string dataFolder, TrainOptions options, TextWriter output, Action<Imaging.DecodedImage>? decoded, CancellationToken cancel = default)
    {
        var (split, reports) = TrainingData.Read(dataFolder, options, decoded, cancel);
        return RecordSplit(split, reports, dataFolder, options, output);
    }

    /// <summary><see cref="RecordData(string, TrainOptions, TextWriter)"/> for data already split (a feature store's manifest).</summary>
    internal DatasetSplit RecordSplit(DatasetSplit split, IReadOnlyList<(string FileName, DataReport Report)> reports, string dataFolder, TrainOptions options, TextWriter output)
    {
        foreach (var (name, report) in reports)
        {
            AtomicFile.WriteAllText(System.IO.Path.Combine(Path, name), report.ToJson());
            foreach (string line in report.Summary())
            {
                output.WriteLine(line);
            }
        }

        if (split.Train.Count == 0 || split.Validation.Count == 0)
        {
            throw new TenniException($"the split leaves {split.Train.Count} training and {split.Validation.Count} validation images; add images or change --split (now {options.TrainFraction})");
        }

        if (Resume)
        {
            var saved = DatasetSplit.Load(Path, split.Classes);
            static IEnumerable<(string, string)> Keys(IReadOnlyList<ImageSample> samples) => samples.Select(s => (s.Path, s.ContentHash));
            if (!Keys(saved.Train).SequenceEqual(Keys(split.Train)) || !Keys(saved.Validation).SequenceEqual(Keys(split.Validation)))
            {
                throw new TenniException($"the data in '{dataFolder}' changed since this run started (files added, removed or edited), so its split differs from {DatasetSplit.TrainFile}/{DatasetSplit.ValidationFile}; resume needs the same images, or start a new run");
            }
        }
        else
        {
            split.Save(Path);
        }

        output.WriteLine($"split: {split.Method}: {split.Train.Count} training, {split.Validation.Count} validation images");
        return split;
    }

    /// <summary><c>config.json</c>: the options, the model and cut, the classes, the split and cache decisions, the source weights.</summary>
    public void WriteConfig(string dataFolder, TrainOptions options, ClassifierModel model, DatasetSplit split, CachePlan cache, HeadSolverChoice head)
    {
        var config = new Dictionary<string, object?>
        {
            ["data"] = System.IO.Path.GetFullPath(dataFolder),
            ["options"] = options,
            ["layer"] = model.CutLayer,
            ["classes"] = split.Classes,
            ["split"] = split.Method,
            ["cache"] = new { enabled = cache.Enabled, tensor = cache.Tensor, layer = cache.Layer, reason = cache.Reason },
            ["head_solver"] = new
            {
                solver = head.Solver.ToString(), reason = head.Reason, folds = head.Folds, warm_start = head.WarmStart,
                head_learning_rate_scale = head.WarmStart ? FewPhotoFineTuning.Settings(options).HeadLearningRateScale : options.HeadLearningRateScale,
            },
            ["class_weights"] = options.ClassWeights.For(split.Classes, split.Train), // in label order, as the loss uses them
            ["source_weights"] = model.Source.WeightsPath,
            ["source_sha256"] = model.Source.WeightsHash,
            ["parent"] = options.InitialModel is null ? null : System.IO.Path.GetFullPath(options.InitialModel),
            ["tenni_version"] = typeof(RunFolder).Assembly.GetName().Version?.ToString(),
        };
        var json = JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true, Converters = { new JsonStringEnumConverter() } });
        AtomicFile.WriteAllText(System.IO.Path.Combine(Path, "config.json"), json);
    }

    /// <summary>The trained model, as prediction, export and continued training read it.</summary>
    public void SaveModel(ClassifierModel model, IReadOnlyList<string> classes, HeadTraining? training = null, double? multiLabelThreshold = null) => TrainedModelFile.Save(Path, model, classes, training, multiLabelThreshold);
}
