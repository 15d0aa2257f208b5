using System.Text.Json;
using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>extensions.snapshot</c>, every epoch: the whole trainer's state (<see cref="Trainer.Save"/>:
/// the updater's model and optimizer state, every extension's and trigger's), written to a temporary
/// folder and swapped in, so a crash at any moment leaves a complete snapshot (the previous one at
/// worst). <see cref="Restore"/> resumes.
/// </summary>
public sealed class Snapshot(string runFolder) : ITrainerExtension
{
    public const string FolderName = "snapshot";

    // Chainer runs snapshots last (priority -100), after every other extension has updated its state.
    public int Priority => -100;

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
        var state = trainer.Save(temp);
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

    /// <summary>Restores the trainer from the last complete snapshot, after checking every file against its manifest.</summary>
    public void Restore(Trainer trainer)
    {
        string folder = new[] { FolderName, FolderName + ".old" }.Select(n => Path.Combine(runFolder, n)).First(IsSnapshot);
        trainer.Restore(SnapshotFiles.Open(folder), folder);
    }
}
