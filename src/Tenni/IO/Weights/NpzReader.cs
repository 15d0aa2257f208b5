using System.IO.Compression;

namespace Tenni.IO.Weights;

/// <summary>
/// Reads a NumPy <c>.npz</c> (<c>numpy.savez(_compressed)</c>, Chainer's <c>save_npz</c>): key = member name
/// less ".npy". Only the members' headers are read here; each array's data when its values are asked for.
/// </summary>
internal static class NpzReader
{
    public static OrderedDictionary<string, WeightArray> Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var arrays = new OrderedDictionary<string, WeightArray>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
        {
            ZipMembers.CheckDeclaredSize(entry);
            string member = entry.FullName;
            string name = member[..^".npy".Length];
            NpyReader.Header header;
            using (var stream = entry.Open())
            {
                header = NpyReader.ReadHeader(stream, name, entry.Length, path);
            }

            arrays[name] = new WeightArray(name, header.Shape, header.DType, () =>
            {
                using var again = ZipFile.OpenRead(path);
                using var data = (again.GetEntry(member) ?? throw new FormatException($"member {member} is missing")).Open();
                return header.ReadValues(data);
            });
        }

        return arrays;
    }
}
