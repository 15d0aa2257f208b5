using System.IO.Compression;

namespace Tenni.IO.Weights;

/// <summary>
/// Reads a NumPy <c>.npz</c> (<c>numpy.savez(_compressed)</c>, Chainer's <c>save_npz</c>): key = member name
/// less ".npy". Only the members' headers are read here; each array's data when its values are asked for.
/// </summary>
internal static class NpzReader
{
    public static WeightSet Read(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var arrays = new WeightSet();
        var again = arrays.Own(new ReopenedZip(path));
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
                using var data = again.Entry(member).Open();
                return header.ReadValues(data);
            });
        }

        return arrays;
    }
}
