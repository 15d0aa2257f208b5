using System.Security.Cryptography;

namespace Tenni.Features;

/// <summary>
/// A feature store of generated rows and no images, for the million-row benchmark and the tests: each
/// row is noise plus a class-dependent offset, so a head has something to learn. Written by the same
/// <see cref="ShardWriter"/> as real shards.
/// </summary>
internal static class SyntheticStore
{
    public static void Write(string store, StoreMetadata metadata, int rows, int seed = 1)
    {
        Directory.CreateDirectory(store);
        metadata.CreateOrCheck(store, "the synthetic store");
        int classes = metadata.Classes.Length;
        var all = Enumerable.Range(0, rows).Select(i =>
        {
            string hash = Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(((long)seed << 32) | (uint)i))).ToLowerInvariant();
            int label = i % classes;
            return new StoreEntry($"{metadata.Classes[label]}/{i:D8}.jpg", label, hash, 32, 32, "Jpeg");
        }).ToList();
        for (int s = 0; s < metadata.Shards; s++)
        {
            var shard = new Shard(s, metadata.Shards);
            var mine = all.Where(e => shard.Owns(e.Hash)).ToList();
            new ShardWriter(store, metadata, shard).Write(mine, [], chunk => Rows(chunk, metadata.RowLength, classes));
        }
    }

    public static float[] Rows(IReadOnlyList<StoreEntry> entries, int length, int classes)
    {
        float[] values = new float[entries.Count * length];
        for (int r = 0; r < entries.Count; r++)
        {
            var rng = new Random(int.Parse(entries[r].Hash.AsSpan(0, 7), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture));
            int label = entries[r].Label;
            for (int j = 0; j < length; j++)
            {
                values[(r * length) + j] = (float)(rng.NextDouble() - 0.5) + (j % classes == label ? 0.25f : 0f);
            }
        }

        return values;
    }
}
