using System.IO.Compression;

namespace Tenni.IO.Weights;

/// <summary>Reads a NumPy <c>.npz</c> (<c>numpy.savez(_compressed)</c>, Chainer's <c>save_npz</c>): key = member name less ".npy".</summary>
internal static class NpzReader
{
    public static OrderedDictionary<string, WeightArray> Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var arrays = new OrderedDictionary<string, WeightArray>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
        {
            string name = entry.FullName[..^".npy".Length];
            using var stream = entry.Open();
            arrays[name] = NpyReader.Read(stream, name, entry.Length, path);
        }

        return arrays;
    }
}
