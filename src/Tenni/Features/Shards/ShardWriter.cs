using System.Runtime.InteropServices;
using Tenni.IO;

namespace Tenni.Features;

/// <summary>
/// Writes one shard's rows in chunks, keeping every chunk a previous (killed, preempted) run already
/// completed for the same images, then its manifest and, last, <c>done.json</c>. The forward pass is
/// passed in, so the bookkeeping is the same for images and for synthetic rows.
/// </summary>
internal sealed class ShardWriter(string store, StoreMetadata metadata, Shard shard)
{
    /// <param name="entries">The shard's readable images, in the data folder's order.</param>
    /// <param name="compute">float32 rows (n × row length) of the given images, in order.</param>
    /// <returns>How many chunks were computed and how many kept.</returns>
    public (int Computed, int Kept) Write(IReadOnlyList<StoreEntry> entries, IReadOnlyList<string> skipped, Func<IReadOnlyList<StoreEntry>, float[]> compute, IProgress<ExtractionProgress>? progress = null)
    {
        var folder = new ShardFolder(store, shard);
        Directory.CreateDirectory(folder.Path);
        RemoveTemporaryFiles(folder);
        // One row per distinct image: identical files share it (they always fall to the same shard).
        var rows = entries.DistinctBy(e => e.Hash).ToList();
        var chunks = rows.Chunk(metadata.ChunkRows).ToList();
        int computed = 0, kept = 0, done = 0;
        for (int k = 0; k < chunks.Count; k++)
        {
            string[] hashes = chunks[k].Select(e => e.Hash).ToArray();
            if (folder.ChunkProblem(k, hashes, metadata.RowBytes) is null)
            {
                kept++;
            }
            else
            {
                folder.WriteChunk(k, Encode(compute(chunks[k]), hashes.Length), hashes);
                computed++;
            }

            done += hashes.Length;
            progress?.Report(new ExtractionProgress(done, rows.Count, skipped.Count));
        }

        RemoveStaleChunks(folder, chunks.Count);
        StoreEntry.Write(folder.Manifest, entries);
        AtomicFile.WriteAllText(Path.Combine(folder.Path, ShardFolder.SkippedName), string.Concat(skipped.Select(s => TextEscaping.ToListField(s) + "\n")));
        folder.WriteDone(new ShardDone(shard.Index, shard.Count, entries.Count, rows.Count, chunks.Count, skipped.Count));
        return (computed, kept);
    }

    // A killed run leaves its half-written temporary files (AtomicFile's); only this shard writes here.
    private static void RemoveTemporaryFiles(ShardFolder folder)
    {
        foreach (string temp in Directory.EnumerateFiles(folder.Path, "*.tmp"))
        {
            File.Delete(temp);
        }
    }

    // Chunks past the end belong to an earlier run over more images: left in place, verify would count them.
    private static void RemoveStaleChunks(ShardFolder folder, int count)
    {
        for (int k = count; File.Exists(folder.ChunkIndexFile(k)) || File.Exists(folder.RowsFile(k)); k++)
        {
            File.Delete(folder.ChunkIndexFile(k));
            File.Delete(folder.RowsFile(k));
        }
    }

    private byte[] Encode(float[] values, int rows)
    {
        if (values.Length != rows * metadata.RowLength)
        {
            throw new InvalidOperationException($"the forward pass gave {values.Length} values for {rows} rows of {metadata.RowLength}");
        }

        if (metadata.DType == FeatureDType.Float32)
        {
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        }

        var half = new Half[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            half[i] = (Half)values[i];
        }

        return MemoryMarshal.AsBytes(half.AsSpan()).ToArray();
    }
}
