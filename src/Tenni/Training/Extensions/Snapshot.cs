using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.IO;
using TorchSharp.Modules;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>extensions.snapshot</c>, every epoch: the model's trainable state, the optimizer's
/// moments, the log and the best score so far, written to a temporary folder and swapped in, so a crash
/// at any moment leaves a complete snapshot (the previous one at worst). <see cref="Restore"/> resumes.
/// </summary>
public sealed class Snapshot(ClassifierModel model, OptimizerHelper optimizer, LogReport log, BestModel best, string runFolder) : ITrainerExtension
{
    public const string FolderName = "snapshot";

    public string Name => "Snapshot";

    // Chainer runs snapshots last (priority -100), after every other extension has updated its state.
    public int Priority => -100;

    public bool ShouldRun(Trainer trainer) => trainer.Updater.IsNewEpoch;

    // A snapshot of an earlier Tenni (state.json, no manifest) still marks the folder as a run, so that
    // a new run never overwrites it; Restore then explains why it cannot be resumed.
    public static bool Exists(string runFolder) =>
        new[] { FolderName, FolderName + ".old" }.Any(n => IsSnapshot(Path.Combine(runFolder, n)));

    private static bool IsSnapshot(string folder) =>
        File.Exists(Path.Combine(folder, SnapshotFiles.Manifest)) || File.Exists(Path.Combine(folder, SnapshotFiles.State));

    public void Run(Trainer trainer)
    {
        string final = Path.Combine(runFolder, FolderName);
        string temp = Path.Combine(runFolder, $"{FolderName}.tmp");
        string old = Path.Combine(runFolder, $"{FolderName}.old");

        // An earlier crash between the two renames left only the old snapshot: put it back first.
        if (!Directory.Exists(final) && IsSnapshot(old))
        {
            Directory.Move(old, final);
        }

        DeleteSnapshot(temp);

        Directory.CreateDirectory(temp);
        TensorFile.Save(Path.Combine(temp, SnapshotFiles.Model), model.TrainableState());
        using (var stream = File.Create(Path.Combine(temp, SnapshotFiles.Optimizer)))
        {
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                optimizer.save_state_dict(writer);
            }

            stream.Flush(flushToDisk: true);
        }

        var state = new JsonObject
        {
            ["epoch"] = trainer.Updater.Epoch,
            ["iteration"] = trainer.Updater.Iteration,
            ["elapsed_time"] = trainer.ElapsedTime,
            ["best_accuracy"] = double.IsFinite(best.BestAccuracy) ? best.BestAccuracy : null,
            ["best_epoch"] = best.BestEpoch,
            ["optimizer"] = optimizer.GetType().Name,
            ["log"] = JsonNode.Parse(LogReport.ToJson(log.Entries)),
        };
        AtomicFile.WriteAllText(Path.Combine(temp, SnapshotFiles.State), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        SnapshotFiles.WriteManifest(temp); // last: only a folder with every file written has one

        DeleteSnapshot(old);
        if (Directory.Exists(final))
        {
            Directory.Move(final, old);
        }

        Directory.Move(temp, final);
        DeleteSnapshot(old);
    }

    // The manifest and state.json go first: a half-deleted folder must never look like a complete snapshot.
    private static void DeleteSnapshot(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (string marker in new[] { SnapshotFiles.Manifest, SnapshotFiles.State })
        {
            if (File.Exists(Path.Combine(folder, marker)))
            {
                File.Delete(Path.Combine(folder, marker));
            }
        }

        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// Loads the last complete snapshot into the model, optimizer, log, best score and trainer, after
    /// checking every file against the snapshot's manifest.
    /// </summary>
    public void Restore(Trainer trainer)
    {
        string folder = new[] { FolderName, FolderName + ".old" }.Select(n => Path.Combine(runFolder, n)).First(IsSnapshot);
        var state = SnapshotFiles.Open(folder);
        if (state.Optimizer != optimizer.GetType().Name)
        {
            throw new TenniException($"the snapshot in '{folder}' was taken with optimizer {state.Optimizer}, this run uses {optimizer.GetType().Name}; resume with the options the run started with");
        }

        model.LoadStateFrom(Path.Combine(folder, SnapshotFiles.Model));

        LoadOptimizer(Path.Combine(folder, SnapshotFiles.Optimizer));
        trainer.Updater.Epoch = state.Epoch;
        trainer.Updater.Iteration = state.Iteration;
        trainer.ElapsedBefore = state.ElapsedTime;
        best.BestAccuracy = state.BestAccuracy ?? double.NegativeInfinity;
        best.BestEpoch = state.BestEpoch;
        log.Entries.Clear();
        log.Entries.AddRange(state.Log);
    }

    private void LoadOptimizer(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is not TenniException and not OutOfMemoryException)
        {
            // The file matched its checksum, so it is what Tenni wrote: TorchSharp refuses it only when
            // this run's parameter groups differ from the snapshot's (other --train-layers or rates).
            throw new TenniException($"the optimizer state '{path}' does not fit this run's parameters ({e.Message}); resume with the options the run started with, or start anew", e);
        }
    }
}
