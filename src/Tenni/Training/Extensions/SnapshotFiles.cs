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

    /// <summary>The trainer's state (<see cref="Trainer.Save"/>); the updater adds its own files.</summary>
    public const string State = "state.json";

    public const string Model = "model.safetensors";

    public const string Optimizer = "optimizer.bin";

    private const string Format = "tenni-snapshot";

    /// <summary>2: the state is the trainer's, by part (updater, extensions, triggers).</summary>
    private const int FormatVersion = 2;

    /// <summary>Records the checksums of the folder's files; call once they are all written and flushed.</summary>
    public static void WriteManifest(string folder)
    {
        var files = new JsonObject();
        foreach (string path in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name != Manifest)
            {
                files[name] = new JsonObject { ["sha256"] = UserFiles.Sha256(path), ["bytes"] = new FileInfo(path).Length };
            }
        }

        var manifest = new JsonObject { ["format"] = Format, ["format_version"] = FormatVersion, ["files"] = files };
        AtomicFile.WriteAllText(Path.Combine(folder, Manifest), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Verifies every file against the manifest, then reads the state; any damage is a <see cref="TenniException"/> naming the file.</summary>
    public static JsonObject Open(string folder)
    {
        string advice = $"resume from an earlier copy of the run, continue from its best model ('--from {Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder)) ?? ".", "best")}' with a new --out), or start anew";
        if (!File.Exists(Path.Combine(folder, Manifest)))
        {
            throw new TenniException($"the snapshot in '{folder}' has no {Manifest}: it was written by an earlier Tenni, without checksums, or was never completed, so it cannot be verified; {advice}");
        }

        var manifest = JsonFields.Read(Path.Combine(folder, Manifest), $"the snapshot is damaged; {advice}");
        if (manifest.OptionalString("format") != Format)
        {
            throw manifest.Problem($"not a Tenni snapshot manifest (expected \"format\": \"{Format}\"); {advice}");
        }

        if (manifest.Long("format_version", 1, int.MaxValue) != FormatVersion)
        {
            throw manifest.Problem($"snapshot format version {manifest.Long("format_version", 1, int.MaxValue)} was written by an earlier Tenni; this one resumes version {FormatVersion}: {advice}");
        }

        var files = manifest.Object("files");
        if (!files.Has(State))
        {
            throw manifest.Problem($"it does not list {State}; {advice}");
        }

        foreach (string name in files.Names)
        {
            if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0)
            {
                throw manifest.Problem($"it lists '{TextEscaping.ForDisplay(name)}', not a plain file name; {advice}");
            }

            var entry = files.Object(name);
            string path = Path.Combine(folder, name);
            string expected = entry.Hex("sha256", 64);
            long bytes = entry.Long("bytes", 1, long.MaxValue); // never 0: a pipe or device reports 0, and hashing one may never end
            if (!File.Exists(path) || new FileInfo(path).Length != bytes || UserFiles.Sha256(path) != expected)
            {
                throw new TenniException($"snapshot file '{path}' is missing or does not match its checksum in {Manifest}: it was changed or truncated after the snapshot was taken; {advice}");
            }
        }

        return JsonFields.Read(Path.Combine(folder, State), $"the snapshot is damaged; {advice}").Json;
    }
}
