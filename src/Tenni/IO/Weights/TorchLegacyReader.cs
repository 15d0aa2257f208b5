using System.Buffers.Binary;
using System.Numerics;

namespace Tenni.IO.Weights;

/// <summary>
/// Reads a checkpoint from <c>torch.save</c> before 1.6 (torchvision's older files, e.g. vgg16-397923af.pth):
/// five pickles — the magic number, protocol version 1001, a sys_info dict, the object, the list of
/// storage keys — then, for each key in that order, an int64 element count and the raw elements.
/// </summary>
internal static class TorchLegacyReader
{
    public static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);

    public static WeightSet Read(string path)
    {
        using var file = File.OpenRead(path);
        using var stream = new BufferedStream(file, 1 << 16);
        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        object? Unpickle() => new TorchUnpickler(stream, path, storages).Load();

        if (Unpickle() is not BigInteger magic || magic != Magic)
        {
            throw new FormatException("the magic number is wrong");
        }

        if (Unpickle() is not 1001L)
        {
            throw new FormatException("the protocol version is not 1001");
        }

        bool bigEndian = Unpickle() is PyDict sysInfo && sysInfo.TryGetValue("little_endian", out object? little) && little is false;
        var tensors = TorchCheckpoint.StateDict(Unpickle(), path);
        if (Unpickle() is not List<object?> keys)
        {
            throw new FormatException("the list of storage keys is missing");
        }

        // The storages follow in the order of `keys`: find where each starts (seeking, reading nothing
        // but counts) so that each is read only when its values are asked for.
        var needed = TorchCheckpoint.Storages(tensors).ToHashSet();
        var starts = new Dictionary<TorchStorage, long>();
        var seen = new HashSet<TorchStorage>();
        Span<byte> countBytes = stackalloc byte[8];
        foreach (object? key in keys)
        {
            var storage = storages.GetValueOrDefault(key?.ToString() ?? "") ?? throw new FormatException($"storage key '{key}' is not in the pickle");
            stream.ReadExactly(countBytes);
            long count = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(countBytes) : BinaryPrimitives.ReadInt64LittleEndian(countBytes);
            if (!seen.Add(storage) || count != storage.Count)
            {
                throw new FormatException($"storage '{storage.Key}' has {count} elements, the pickle says {storage.Count}, or is listed twice");
            }

            starts[storage] = stream.Position;
            ElementTypes.Skip(stream, checked(count * ElementTypes.Size(storage.DType)));
        }

        var missing = needed.FirstOrDefault(s => !seen.Contains(s));
        return missing is null
            ? TorchCheckpoint.Arrays(tensors, storage =>
            {
                using var again = File.OpenRead(path);
                again.Position = starts[storage];
                return ElementTypes.ReadFloats(again, storage.DType, storage.Count, bigEndian);
            })
            : throw new FormatException($"storage '{missing.Key}' is not in the file");
    }
}
