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

    public static OrderedDictionary<string, WeightArray> Read(string path)
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

        return TorchCheckpoint.Arrays(tensors, storage =>
        {
            using var again = ZipFile.OpenRead(path);
            using var stream = StorageEntry(again, prefix, storage).Open();
            return ElementTypes.ReadFloats(stream, storage.DType, storage.Count, bigEndian);
        });
    }

    /// <summary>A zip member's bytes, after checking that its declared size is plausible and within <paramref name="limit"/>.</summary>
    public static MemoryStream ReadBounded(ZipArchiveEntry entry, long limit, string what)
    {
        CheckDeclaredSize(entry);
        if (entry.Length > limit)
        {
            throw new FormatException($"{what} {entry.FullName} declares {entry.Length} bytes; at most {limit} are read");
        }

        // The declared size is a claim: read one byte more than it to see whether the data runs past it.
        var buffer = new MemoryStream((int)entry.Length);
        using (var stream = entry.Open())
        {
            var chunk = new byte[1 << 16];
            long left = entry.Length + 1;
            for (int n; left > 0 && (n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, left))) > 0; left -= n)
            {
                buffer.Write(chunk, 0, n);
            }
        }

        if (buffer.Length != entry.Length)
        {
            throw new FormatException($"{what} {entry.FullName} declares {entry.Length} bytes but holds {(buffer.Length > entry.Length ? "more" : buffer.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        buffer.Position = 0;
        return buffer;
    }

    /// <summary>Fails when a member claims more bytes than its compressed data could inflate to.</summary>
    public static void CheckDeclaredSize(ZipArchiveEntry entry)
    {
        if (!WeightLimits.IsPlausibleZipMember(entry.Length, entry.CompressedLength))
        {
            throw new FormatException(
                $"zip member {entry.FullName} declares {entry.Length} bytes from {entry.CompressedLength} compressed, more than deflate can produce ({WeightLimits.MaxInflationRatio}:1)");
        }
    }

    private static MemoryStream ReadPickle(ZipArchiveEntry pickle) => ReadBounded(pickle, WeightLimits.MaxPickleBytes, "the pickle");

    private static ZipArchiveEntry StorageEntry(ZipArchive archive, string prefix, TorchStorage storage)
    {
        string member = $"{prefix}data/{storage.Key}";
        var entry = archive.GetEntry(member) ?? throw new FormatException($"storage {member} is missing");
        CheckDeclaredSize(entry);
        return entry;
    }

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(ReadBounded(entry, 64, "the member"));
        return reader.ReadToEnd().Trim();
    }
}
