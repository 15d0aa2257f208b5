using System.Globalization;

namespace Tenni.Features;

/// <summary>A line of <c>merged.tsv</c>: an image, and where its row is (shard, row within the shard).</summary>
internal sealed record MergedEntry(StoreEntry Entry, int Shard, int Row)
{
    public const string Header = StoreEntry.Header + "\tshard\trow";

    public string Line() => string.Create(CultureInfo.InvariantCulture, $"{Entry.Line()}\t{Shard}\t{Row}");

    public static MergedEntry Parse(string line, int classes, int shards, string where)
    {
        int cut = line.LastIndexOf('\t', line.LastIndexOf('\t') - 1);
        string[] tail = cut < 0 ? [] : line[(cut + 1)..].Split('\t');
        if (tail.Length != 2 || !int.TryParse(tail[0], NumberStyles.None, CultureInfo.InvariantCulture, out int shard) || shard >= shards
            || !int.TryParse(tail[1], NumberStyles.None, CultureInfo.InvariantCulture, out int row))
        {
            throw new TenniException($"{where} does not end in a shard and a row; merge the store again (tenni features merge)");
        }

        return new MergedEntry(StoreEntry.Parse(line[..cut], classes, where), shard, row);
    }
}
