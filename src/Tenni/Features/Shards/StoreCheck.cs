using Tenni.Features;

namespace Tenni;

/// <summary>
/// What <see cref="FeatureStoreCheck.Verify"/> found: the store's totals, and every problem with the
/// shard to rerun for it.
/// </summary>
public sealed record StoreVerification(int Shards, int CompleteShards, int Files, int Rows, IReadOnlyList<string> Problems, IReadOnlyList<int> ShardsToRerun)
{
    public bool IsComplete => Problems.Count == 0;
}

/// <summary>
/// <c>tenni features verify|merge</c>: checks that all shards of a store are complete and consistent
/// (counts, checksums, each image in its own shard and only once), and merges their manifests into
/// <c>merged.tsv</c>, the one list training reads (rows stay in the shards' chunks: nothing is copied).
/// </summary>
public static class FeatureStoreCheck
{
    public const string MergedName = "merged.tsv";

    public static StoreVerification Verify(string store) => Inspect(store).Verification;

    /// <summary>Verifies the store and, when it is complete, writes <c>merged.tsv</c>; otherwise writes nothing (<see cref="Describe"/> says what to rerun).</summary>
    public static StoreVerification Merge(string store)
    {
        var (verification, entries) = Inspect(store);
        if (!verification.IsComplete)
        {
            return verification;
        }

        // The single-process order (class, then path), whatever shard computed a row.
        var merged = entries.OrderBy(e => e.Entry.Label).ThenBy(e => e.Entry.RelativePath, StringComparer.Ordinal);
        IO.AtomicFile.WriteAllText(Path.Combine(store, MergedName), MergedEntry.Header + "\n" + string.Concat(merged.Select(e => e.Line() + "\n")));
        return verification;
    }

    /// <summary>One line for an incomplete store: the first problems and the shards to rerun.</summary>
    public static string Describe(string store, StoreVerification verification)
    {
        string first = string.Join("; ", verification.Problems.Take(3)) + (verification.Problems.Count > 3 ? $"; and {verification.Problems.Count - 3} more" : "");
        return $"feature store '{store}' is not complete ({verification.CompleteShards} of {verification.Shards} shards): {first}; rerun shard(s) {string.Join(", ", verification.ShardsToRerun)} "
            + $"(tenni extract DIR --shard I/{verification.Shards} --out {store}), then merge again";
    }

    private static (StoreVerification Verification, List<MergedEntry> Entries) Inspect(string store)
    {
        var metadata = StoreMetadata.Read(store);
        var problems = new List<(int Shard, string Problem)>();
        var entries = new List<MergedEntry>();
        int complete = 0;
        for (int i = 0; i < metadata.Shards; i++)
        {
            int before = problems.Count;
            var shardEntries = InspectShard(store, metadata, new Shard(i, metadata.Shards), p => problems.Add((i, p)));
            if (problems.Count == before)
            {
                complete++;
                entries.AddRange(shardEntries);
            }
        }

        foreach (var twice in entries.GroupBy(e => e.Entry.RelativePath, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.AddRange(twice.Select(e => (e.Shard, $"'{twice.Key}' is listed by more than one shard")));
        }

        foreach (var split in entries.GroupBy(e => e.Entry.Hash).Where(g => g.Select(e => e.Shard).Distinct().Count() > 1))
        {
            problems.AddRange(split.Select(e => (e.Shard, $"image {split.Key[..12]} has rows in shards {string.Join(", ", split.Select(s => s.Shard).Distinct())}")));
        }

        var verification = new StoreVerification(metadata.Shards, complete, entries.Count, entries.Select(e => e.Entry.Hash).Distinct().Count(),
            problems.Select(p => $"shard {p.Shard}: {p.Problem}").Distinct().ToList(), problems.Select(p => p.Shard).Distinct().Order().ToList());
        return (verification, entries);
    }

    private static List<MergedEntry> InspectShard(string store, StoreMetadata metadata, Shard shard, Action<string> problem)
    {
        var folder = new ShardFolder(store, shard);
        var done = folder.Done();
        if (done is null)
        {
            problem(Directory.Exists(folder.Path) ? "not finished (no done.json: killed, preempted or still running)" : "never started");
            return [];
        }

        List<StoreEntry> entries;
        try
        {
            entries = StoreEntry.ReadAll(folder.Manifest, metadata.Classes.Length);
        }
        catch (Exception e) when (e is TenniException or IOException)
        {
            problem($"its manifest cannot be read ({e.Message})");
            return [];
        }

        var rows = entries.DistinctBy(e => e.Hash).Select(e => e.Hash).ToList();
        if (done.Index != shard.Index || done.Count != shard.Count || done.Files != entries.Count || done.Rows != rows.Count)
        {
            problem($"done.json says shard {done.Index}/{done.Count} with {done.Files} files and {done.Rows} rows; the manifest lists {entries.Count} files and {rows.Count} rows");
        }

        if (entries.FirstOrDefault(e => !shard.Owns(e.Hash)) is { } foreign)
        {
            problem($"'{foreign.RelativePath}' belongs to shard {Shard.OwnerOf(foreign.Hash, shard.Count)}, not this one");
        }

        var chunks = rows.Chunk(metadata.ChunkRows).ToList();
        for (int k = 0; k < chunks.Count; k++)
        {
            if (folder.ChunkProblem(k, chunks[k], metadata.RowBytes) is { } damaged)
            {
                problem(damaged);
            }
        }

        var rowOf = rows.Select((hash, row) => (hash, row)).ToDictionary(p => p.hash, p => p.row);
        return entries.Select(e => new MergedEntry(e, shard.Index, rowOf[e.Hash])).ToList();
    }
}
