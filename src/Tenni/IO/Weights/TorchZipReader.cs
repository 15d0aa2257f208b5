using System.IO.Compression;

namespace Tenni.IO.Weights;

/// <summary>
/// Reads a <c>torch.save</c> zip checkpoint (PyTorch ≥ 1.6): <c>PREFIX/data.pkl</c> is the pickled state
/// dict, <c>PREFIX/data/KEY</c> the raw storages, <c>PREFIX/byteorder</c> their byte order ("little" when absent).
/// </summary>
internal static class TorchZipReader
{
    /// <summary>True for the pickle of a checkpoint: data.pkl one folder down (the folder name is free).</summary>
    public static bool IsStateDictPickle(string member) =>
        member.EndsWith("/data.pkl", StringComparison.Ordinal) && member.IndexOf('/') == member.Length - "/data.pkl".Length;

    public static OrderedDictionary<string, WeightArray> Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var pickle = archive.Entries.First(e => IsStateDictPickle(e.FullName));
        string prefix = pickle.FullName[..^"data.pkl".Length];
        bool bigEndian = archive.GetEntry(prefix + "byteorder") is { } order && ReadText(order) == "big";

        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        object? root;
        using (var buffer = new MemoryStream())
        {
            using (var entry = pickle.Open())
            {
                entry.CopyTo(buffer);
            }

            buffer.Position = 0;
            root = new TorchUnpickler(buffer, path, storages).Load();
        }

        var tensors = TorchCheckpoint.StateDict(root, path);
        var data = new Dictionary<TorchStorage, float[]>();
        foreach (var storage in TorchCheckpoint.Storages(tensors))
        {
            string member = $"{prefix}data/{storage.Key}";
            var entry = archive.GetEntry(member) ?? throw new FormatException($"storage {member} is missing");
            long bytes = storage.Count * ElementTypes.Size(storage.DType);
            if (entry.Length < bytes)
            {
                throw new FormatException($"{member} has {entry.Length} bytes, {storage.DType}[{storage.Count}] needs {bytes}");
            }

            if (ElementTypes.IsFloating(storage.DType))
            {
                using var stream = entry.Open();
                data[storage] = ElementTypes.ReadFloats(stream, storage.DType, storage.Count, bigEndian);
            }
        }

        return TorchCheckpoint.Arrays(tensors, data);
    }

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd().Trim();
    }
}
