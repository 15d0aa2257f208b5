using System.Buffers.Binary;
using System.Formats.Tar;

namespace Tenni.IO.Weights;

/// <summary>
/// Reads a checkpoint from <c>torch.save</c> before 0.1.10 (torchvision's first files, e.g.
/// resnet50-19c8e357.pth): a tar of <c>sys_info</c>, <c>pickle</c>, <c>tensors</c> and <c>storages</c>, as
/// torch's <c>legacy_load</c> reads it. <c>storages</c>: a pickled count, then per storage a pickled
/// (key, location, storage class), an int64 element count and the raw elements, then a pickled list of
/// views (key, root key, offset, count). <c>tensors</c>: a pickled count, then per tensor a pickled
/// (key, storage key, tensor class), an int32 rank and 4 bytes of padding, the sizes, the strides and the
/// storage offset as int64. <c>pickle</c>: the state dict, whose persistent ids are tensor keys.
/// </summary>
internal static class TorchTarReader
{
    public static readonly string[] Members = ["pickle", "tensors", "storages"];

    /// <summary>Whether a tar archive's member names are those of a torch checkpoint.</summary>
    public static bool IsCheckpoint(IReadOnlyCollection<string> members) => Members.All(members.Contains);

    /// <summary>The member names of a tar archive (empty when it is not one).</summary>
    public static List<string> MemberNames(Stream stream)
    {
        using var tar = new TarReader(stream, leaveOpen: true);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } entry)
        {
            names.Add(MemberName(entry));
        }

        return names;
    }

    public static WeightSet Read(string path)
    {
        var members = ReadMembers(path);
        bool bigEndian = members.TryGetValue("sys_info", out var sysInfo)
            && Unpickle(sysInfo, path) is PyDict info && info.TryGetValue("little_endian", out object? little) && little is false;

        var storages = ReadStorages(members["storages"], path, bigEndian);
        var tensors = ReadTensors(members["tensors"], path, storages, bigEndian);
        var pickle = members["pickle"];
        pickle.Position = 0;
        object? root = new TorchUnpickler(pickle, path, [], pid => pid switch
        {
            // A tuple is a module's source (saved beside whole models); a state dict holds none.
            object?[] source => source.FirstOrDefault(),
            _ => tensors.GetValueOrDefault(Key(pid)) ?? throw new FormatException($"tensor '{pid}' is not in the tensors member"),
        }).Load();
        var stateDict = TorchCheckpoint.StateDict(root, path);
        var starts = storages.Values.DistinctBy(s => s.Slice.Storage).ToDictionary(s => s.Slice.Storage, s => s.Start);
        var data = members["storages"];
        return TorchCheckpoint.Arrays(stateDict, storage =>
        {
            data.Position = starts[storage];
            return ElementTypes.ReadFloats(data, storage.DType, storage.Count, bigEndian);
        });
    }

    private static Dictionary<string, MemoryStream> ReadMembers(string path)
    {
        using var file = File.OpenRead(path);
        using var tar = new TarReader(file);
        var members = new Dictionary<string, MemoryStream>(StringComparer.Ordinal);
        while (tar.GetNextEntry() is { } entry)
        {
            // Copied once, while the reader is at this entry: the members are read in another order than stored.
            string name = MemberName(entry);
            if (entry.DataStream is { } data && (Members.Contains(name) || name == "sys_info"))
            {
                // The declared size is a claim: it must fit the file, and a member is held in one buffer.
                if (entry.Length > file.Length || entry.Length > Array.MaxLength)
                {
                    throw new FormatException($"the tar member '{name}' declares {entry.Length} bytes in a file of {file.Length}");
                }

                var copy = new MemoryStream();
                data.CopyTo(copy);
                copy.Position = 0;
                members[name] = copy;
            }
        }

        var missing = Members.FirstOrDefault(m => !members.ContainsKey(m));
        return missing is null ? members : throw new FormatException($"the tar member '{missing}' is missing");
    }

    // Start: where the storage's elements begin in the storages member, read when asked for.
    private sealed record LoadedStorage(TorchStorageSlice Slice, long Start);

    private static Dictionary<string, LoadedStorage> ReadStorages(Stream stream, string path, bool bigEndian)
    {
        var result = new Dictionary<string, LoadedStorage>(StringComparer.Ordinal);
        long count = TorchUnpickler.AsLong(Unpickle(stream, path));
        for (long i = 0; i < count; i++)
        {
            var args = TorchUnpickler.As<object?[]>(Unpickle(stream, path));
            string key = Key(args.ElementAtOrDefault(0));
            string dtype = TorchUnpickler.StorageDType(args.ElementAtOrDefault(2)) ?? throw new FormatException($"storage '{key}' has no storage class");
            long elements = ReadInt64(stream, bigEndian, 8);
            if (elements < 0 || elements > (stream.Length - stream.Position) / ElementTypes.Size(dtype))
            {
                throw new EndOfStreamException($"storage '{key}' declares {elements} elements, more than the member holds");
            }

            long start = stream.Position;
            ElementTypes.Skip(stream, elements * ElementTypes.Size(dtype));
            result[key] = new LoadedStorage(new TorchStorageSlice(new TorchStorage(key, dtype, elements), 0), start);
        }

        // Views: a storage that starts `offset` elements into a root storage.
        foreach (object? view in TorchUnpickler.As<List<object?>>(Unpickle(stream, path)))
        {
            var v = TorchUnpickler.As<object?[]>(view);
            var root = result.GetValueOrDefault(Key(v.ElementAtOrDefault(1))) ?? throw new FormatException($"storage view '{v.FirstOrDefault()}' has no root storage");
            result[Key(v[0])] = root with { Slice = new TorchStorageSlice(root.Slice.Storage, TorchUnpickler.AsLong(v.ElementAtOrDefault(2))) };
        }

        return result;
    }

    private static Dictionary<string, TorchTensor> ReadTensors(Stream stream, string path, Dictionary<string, LoadedStorage> storages, bool bigEndian)
    {
        var result = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        long count = TorchUnpickler.AsLong(Unpickle(stream, path));
        for (long i = 0; i < count; i++)
        {
            var args = TorchUnpickler.As<object?[]>(Unpickle(stream, path));
            string key = Key(args.ElementAtOrDefault(0));
            var storage = storages.GetValueOrDefault(Key(args.ElementAtOrDefault(1))) ?? throw new FormatException($"tensor '{key}' has no storage in the file");
            int rank = (int)ReadInt64(stream, bigEndian, 4);
            ElementTypes.Skip(stream, 4);
            if (rank is < 0 or > 16)
            {
                throw new FormatException($"tensor '{key}' has rank {rank}");
            }

            long[] sizes = Enumerable.Range(0, rank).Select(_ => ReadInt64(stream, bigEndian, 8)).ToArray();
            long[] strides = Enumerable.Range(0, rank).Select(_ => ReadInt64(stream, bigEndian, 8)).ToArray();
            long offset = ReadInt64(stream, bigEndian, 8);
            result[key] = new TorchTensor(storage.Slice, offset, sizes, strides);
        }

        return result;
    }

    private static long ReadInt64(Stream stream, bool bigEndian, int bytes)
    {
        Span<byte> raw = stackalloc byte[bytes];
        stream.ReadExactly(raw);
        return bytes == 4
            ? bigEndian ? BinaryPrimitives.ReadInt32BigEndian(raw) : BinaryPrimitives.ReadInt32LittleEndian(raw)
            : bigEndian ? BinaryPrimitives.ReadInt64BigEndian(raw) : BinaryPrimitives.ReadInt64LittleEndian(raw);
    }

    // torch wrote "./pickle" or "pickle" depending on the tar module's version.
    private static string MemberName(TarEntry entry) => entry.Name.TrimStart('.', '/');

    private static object? Unpickle(Stream stream, string path) => new TorchUnpickler(stream, path, []).Load();

    // Keys are the C pointers torch had: ints in the tensors and storages members, strings in the pickle's ids.
    private static string Key(object? value) => value switch
    {
        long or string or System.Numerics.BigInteger => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        _ => throw new FormatException($"expected a tensor or storage key, found {value ?? "None"}"),
    };
}
