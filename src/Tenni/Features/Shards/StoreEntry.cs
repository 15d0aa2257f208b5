using System.Globalization;
using Tenni.IO;

namespace Tenni.Features;

/// <summary>One readable image of a store: its path under the data folder, class label, content hash and size.</summary>
internal sealed record StoreEntry(string RelativePath, int Label, string Hash, int Width, int Height, string Format)
{
    public const string Header = "label\tsha256\twidth\theight\tformat\tpath";

    public string Line() => string.Create(CultureInfo.InvariantCulture, $"{Label}\t{Hash}\t{Width}\t{Height}\t{Format}\t{TextEscaping.ToListField(RelativePath)}");

    public static StoreEntry Parse(string line, int classes, string where)
    {
        string[] f = line.Split('\t');
        if (f.Length != 6 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int label) || label >= classes
            || f[1].Length != 64 || !f[1].All(char.IsAsciiHexDigitLower)
            || !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            || !int.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out int height))
        {
            throw new TenniException($"{where} is not a store manifest line (label, sha256, width, height, format, path); the shard is damaged: extract it again");
        }

        // A handful of format names over millions of lines: one string each.
        return new StoreEntry(TextEscaping.FromListField(f[5]), label, f[1], width, height, string.Intern(f[4]));
    }

    /// <summary>The entries of a manifest written by <see cref="Write"/>.</summary>
    public static List<StoreEntry> ReadAll(string path, int classes) =>
        File.ReadLines(path).Skip(1).Select((line, i) => Parse(line, classes, $"line {i + 2} of '{path}'")).ToList();

    public static void Write(string path, IEnumerable<StoreEntry> entries) =>
        AtomicFile.WriteAllText(path, Header + "\n" + string.Concat(entries.Select(e => e.Line() + "\n")));
}
