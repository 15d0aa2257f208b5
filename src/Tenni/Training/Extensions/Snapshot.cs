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

    public static bool Exists(string runFolder) =>
        File.Exists(Path.Combine(runFolder, FolderName, "state.json")) || File.Exists(Path.Combine(runFolder, FolderName + ".old", "state.json"));

    public void Run(Trainer trainer)
    {
        string final = Path.Combine(runFolder, FolderName);
        string temp = Path.Combine(runFolder, $"{FolderName}.tmp");
        string old = Path.Combine(runFolder, $"{FolderName}.old");

        // An earlier crash between the two renames left only the old snapshot: put it back first.
        if (!Directory.Exists(final) && File.Exists(Path.Combine(old, "state.json")))
        {
            Directory.Move(old, final);
        }

        DeleteSnapshot(temp);

        Directory.CreateDirectory(temp);
        TensorFile.Save(Path.Combine(temp, "model.safetensors"), model.TrainableState());
        using (var stream = File.Create(Path.Combine(temp, "optimizer.bin")))
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
            ["log"] = JsonNode.Parse(LogReport.ToJson(log.Entries)),
        };
        AtomicFile.WriteAllText(Path.Combine(temp, "state.json"), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        DeleteSnapshot(old);
        if (Directory.Exists(final))
        {
            Directory.Move(final, old);
        }

        Directory.Move(temp, final);
        DeleteSnapshot(old);
    }

    // state.json goes first: a half-deleted folder must never look like a complete snapshot.
    private static void DeleteSnapshot(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        string state = Path.Combine(folder, "state.json");
        if (File.Exists(state))
        {
            File.Delete(state);
        }

        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Loads the last complete snapshot into the model, optimizer, log, best score and trainer.</summary>
    public void Restore(Trainer trainer)
    {
        string folder = new[] { FolderName, FolderName + ".old" }.Select(n => Path.Combine(runFolder, n)).First(f => File.Exists(Path.Combine(f, "state.json")));
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "state.json")))!;
        var (tensors, _) = TensorFile.Load(Path.Combine(folder, "model.safetensors"));
        model.LoadState(tensors);
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }

        using (var stream = File.OpenRead(Path.Combine(folder, "optimizer.bin")))
        using (var reader = new BinaryReader(stream))
        {
            optimizer.load_state_dict(reader);
        }

        trainer.Updater.Epoch = state["epoch"]!.GetValue<int>();
        trainer.Updater.Iteration = state["iteration"]!.GetValue<long>();
        trainer.ElapsedBefore = state["elapsed_time"]!.GetValue<double>();
        best.BestAccuracy = state["best_accuracy"]?.GetValue<double>() ?? double.NegativeInfinity;
        best.BestEpoch = state["best_epoch"]!.GetValue<int>();
        log.Entries.Clear();
        log.Entries.AddRange(LogReport.Parse(state["log"]!.ToJsonString()));
    }
}
