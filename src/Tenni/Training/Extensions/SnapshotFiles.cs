using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>
/// The files of one snapshot folder and their manifest: <c>manifest.json</c> records the SHA-256 and size
/// of every other file and is written last (atomically), so a folder without a valid manifest is not a
/// complete snapshot, and a file changed after it was written is found before anything is restored.
/// </summary>
internal static class SnapshotFiles
{
    public const string Manifest = "manifest.json";

    public const string Model = "model.safetensors";

    public const string Optimizer = "optimizer.bin";

    public const string State = "state.json";

    private const string Format = "tenni-snapshot";

    private static readonly string[] Members = [Model, Optimizer, State];

    /// <summary>Records the checksums of the folder's files; call once they are all written and flushed.</summary>
    public static void WriteManifest(string folder)
    {
        var files = new JsonObject();
        foreach (string name in Members)
        {
            string path = Path.Combine(folder, name);
            files[name] = new JsonObject { ["sha256"] = UserFiles.Sha256(path), ["bytes"] = new FileInfo(path).Length };
        }

        var manifest = new JsonObject { ["format"] = Format, ["format_version"] = 1, ["files"] = files };
        AtomicFile.WriteAllText(Path.Combine(folder, Manifest), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Verifies every file against the manifest, then reads the state; any damage is a <see cref="TenniException"/> naming the file.</summary>
    public static SnapshotState Open(string folder)
    {
        string advice = $"resume from an earlier copy of the run, continue from its best model ('--from {Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder)) ?? ".", "best")}' with a new --out), or start anew";
        if (!File.Exists(Path.Combine(folder, Manifest)))
        {
            throw new TenniException($"the snapshot in '{folder}' has no {Manifest}: it was written by an earlier Tenni, without checksums, or was never completed, so it cannot be verified; {advice}");
        }

        var manifest = JsonFields.Read(Path.Combine(folder, Manifest), $"the snapshot is damaged; {advice}");
        if (manifest.OptionalString("format") != Format || manifest.Long("format_version", 1, 1) != 1)
        {
            throw manifest.Problem($"not a Tenni snapshot manifest (expected \"format\": \"{Format}\", version 1); {advice}");
        }

        var files = manifest.Object("files");
        if (!files.Names.Order(StringComparer.Ordinal).SequenceEqual(Members.Order(StringComparer.Ordinal)))
        {
            throw manifest.Problem($"it lists [{string.Join(", ", files.Names)}], expected [{string.Join(", ", Members)}]; {advice}");
        }

        foreach (string name in Members)
        {
            var entry = files.Object(name);
            string path = Path.Combine(folder, name);
            string expected = entry.Hex("sha256", 64);
            long bytes = entry.Long("bytes", 1, long.MaxValue); // never 0: a pipe or device reports 0, and hashing one may never end
            if (!File.Exists(path) || new FileInfo(path).Length != bytes || UserFiles.Sha256(path) != expected)
            {
                throw new TenniException($"snapshot file '{path}' is missing or does not match its checksum in {Manifest}: it was changed or truncated after the snapshot was taken; {advice}");
            }
        }

        return ReadState(Path.Combine(folder, State), advice);
    }

    private static SnapshotState ReadState(string path, string advice)
    {
        var state = JsonFields.Read(path, $"the snapshot is damaged; {advice}");
        int epoch = state.Int("epoch", 0, int.MaxValue);
        var log = state.Array("log", "an array of log entries").Select(e =>
        {
            var entry = state.Element(e, "log");
            return entry.Names.ToDictionary(n => n, n => entry.Double(n, double.MinValue, double.MaxValue), StringComparer.Ordinal);
        }).ToList();
        return new SnapshotState(
            epoch,
            state.Long("iteration", 0, long.MaxValue),
            state.Double("elapsed_time", 0, double.MaxValue),
            state.OptionalDouble("best_accuracy", 0, 1),
            state.Int("best_epoch", 0, epoch),
            state.String("optimizer"),
            log);
    }
}
