using System.IO.Compression;

namespace Tenni.IO.Weights;

/// <summary>
/// Reads a <c>torch.save</c> zip checkpoint (PyTorch ≥ 1.6): <c>PREFIX/data.pkl</c> is the pickled state
/// dict, <c>PREFIX/data/KEY</c> the raw storages, <c>PREFIX/byteorder</c> their byte order ("little" when absent).
/// The pickle and every storage's declared size are checked before any storage is read; storages are
/// read when their arrays' values are first asked for.
/// </summary>
internal static class TorchZipReader
{
    /// <summary>True for the pickle of a checkpoint: data.pkl one folder down (the folder name is free).</summary>
    public static bool IsStateDictPickle(string member) =>
        member.EndsWith("/data.pkl", StringComparison.Ordinal) && member.IndexOf('/') == member.Length - "/data.pkl".Length;

    public static WeightSet Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var pickle = archive.Entries.First(e => IsStateDictPickle(e.FullName));
        string prefix = pickle.FullName[..^"data.pkl".Length];
        bool bigEndian = archive.GetEntry(prefix + "byteorder") is { } order && ReadText(order) == "big";

        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        object? root;
        using (var buffer = ReadPickle(pickle))
        {
            root = new TorchUnpickler(buffer, path, storages).Load();
        }

        var tensors = TorchCheckpoint.StateDict(root, path);
        foreach (var storage in TorchCheckpoint.Storages(tensors))
        {
            var entry = StorageEntry(archive, prefix, storage);
            long bytes = storage.Count * ElementTypes.Size(storage.DType);
            if (entry.Length < bytes)
            {
                throw new FormatException($"{entry.FullName} has {entry.Length} bytes, {storage.DType}[{storage.Count}] needs {bytes}");
            }
        }

        var again = new ReopenedZip(path);
        var arrays = TorchCheckpoint.Arrays(tensors, storage =>
        {
            var entry = again.Entry(StorageMember(prefix, storage));
            ZipMembers.CheckDeclaredSize(entry);
            using var stream = entry.Open();
            return ElementTypes.ReadFloats(stream, storage.DType, storage.Count, bigEndian);
        });
        arrays.Own(again);
        return arrays;
    }

    private static MemoryStream ReadPickle(ZipArchiveEntry pickle) => ZipMembers.ReadBounded(pickle, WeightLimits.MaxPickleBytes, "the pickle");

    private static ZipArchiveEntry StorageEntry(ZipArchive archive, string prefix, TorchStorage storage)
    {
        string member = StorageMember(prefix, storage);
        var entry = archive.GetEntry(member) ?? throw new FormatException($"storage {member} is missing");
        ZipMembers.CheckDeclaredSize(entry);
        return entry;
    }

    private static string StorageMember(string prefix, TorchStorage storage) => $"{prefix}data/{storage.Key}";

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(ZipMembers.ReadBounded(entry, 64, "the member"));
        return reader.ReadToEnd().Trim();
    }
}
