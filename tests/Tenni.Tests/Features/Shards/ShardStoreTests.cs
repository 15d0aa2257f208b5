using Tenni.Features;

namespace Tenni.Tests.Features.Shards;

/// <summary>A store's bookkeeping on generated rows (no model, no images): chunks, resume, verify, merge, reading back.</summary>
public sealed class ShardStoreTests : IDisposable
{
    private readonly string _store = Directory.CreateTempSubdirectory("tenni-store").FullName;

    public void Dispose() => Directory.Delete(_store, recursive: true);

    private static StoreMetadata Metadata(int shards = 2, int chunkRows = 4, string dtype = FeatureDType.Float32, string precision = "fp32") =>
        new(StoreMetadata.FormatName, StoreMetadata.CurrentVersion, "resnet18", new string('a', 64), "pool5", "t", [6, 1, 1], "prep", true, precision, dtype, shards, chunkRows, ["Cat", "Dog"], "/data");

    private static List<StoreEntry> Entries(int count, Shard shard) =>
        Enumerable.Range(0, count)
            .Select(i => new StoreEntry($"{(i % 2 == 0 ? "Cat" : "Dog")}/{i:D3}.jpg", i % 2, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))).ToLowerInvariant(), 8, 8, "Png"))
            .Where(e => shard.Owns(e.Hash)).ToList();

    private static float[] Compute(IReadOnlyList<StoreEntry> chunk) => SyntheticStore.Rows(chunk, 6, 2);

    [Fact]
    public void Merge_AllShardsWritten_ListsEveryImageOnceInFolderOrderAndRowsReadBack()
    {
        // Given both shards of 30 images
        var metadata = Metadata();
        metadata.CreateOrCheck(_store, "test");
        for (int s = 0; s < 2; s++)
        {
            new ShardWriter(_store, metadata, new Shard(s, 2)).Write(Entries(30, new Shard(s, 2)), [], Compute);
        }

        // When merged and opened
        var verification = FeatureStoreCheck.Merge(_store);
        var store = MergedStore.Open(_store);

        // Then every image is there once, by class then path, and its row is the one computed for it
        Assert.True(verification.IsComplete);
        Assert.Equal(30, verification.Files);
        Assert.Equal(store.Entries.OrderBy(e => e.Entry.Label).ThenBy(e => e.Entry.RelativePath, StringComparer.Ordinal).Select(e => e.Entry.RelativePath), store.Entries.Select(e => e.Entry.RelativePath));
        var samples = store.Entries.Select(e => new Tenni.Data.ImageSample(e.Entry.RelativePath, e.Entry.Label, e.Entry.Hash, 8, 8, "Png")).ToList();
        using var rows = store.Rows(samples);
        using var gathered = rows.Gather([0, 29, 7]);
        float[] expected = [.. Compute([store.Entries[0].Entry]), .. Compute([store.Entries[29].Entry]), .. Compute([store.Entries[7].Entry])];
        Assert.Equal(new long[] { 3, 6, 1, 1 }, gathered.shape);
        Assert.Equal(expected, gathered.data<float>().ToArray());
    }

    [Fact]
    public void Write_Float16_RowsReadBackWithinHalfPrecision()
    {
        var metadata = Metadata(shards: 1, dtype: FeatureDType.Float16);
        metadata.CreateOrCheck(_store, "test");
        var entries = Entries(10, new Shard(0, 1));
        new ShardWriter(_store, metadata, new Shard(0, 1)).Write(entries, [], Compute);
        FeatureStoreCheck.Merge(_store);

        var store = MergedStore.Open(_store);
        using var rows = store.Rows(store.Entries.Select(e => new Tenni.Data.ImageSample(e.Entry.RelativePath, e.Entry.Label, e.Entry.Hash, 8, 8, "Png")).ToList());
        using var gathered = rows.Gather([0]);

        // float16 keeps 11 significant bits: values below 1 are within 2^-11.
        float[] expected = Compute([store.Entries[0].Entry]);
        Assert.All(gathered.data<float>().ToArray().Zip(expected), p => Assert.InRange(p.First - p.Second, -5e-4f, 5e-4f));
        Assert.Equal(10L * 6 * 2, new DirectoryInfo(Path.Combine(_store, "shards")).EnumerateFiles("*.rows", SearchOption.AllDirectories).Sum(f => f.Length));
    }

    [Fact]
    public void Write_RerunAfterAKill_KeepsCompleteChunksAndComputesTheRest()
    {
        // Given a shard killed after its first two chunks (of 4 rows each)
        var metadata = Metadata(shards: 1);
        metadata.CreateOrCheck(_store, "test");
        var shard = new Shard(0, 1);
        var entries = Entries(18, shard);
        int calls = 0;
        Assert.Throws<OperationCanceledException>(() => new ShardWriter(_store, metadata, shard).Write(entries, [], chunk =>
            ++calls <= 2 ? Compute(chunk) : throw new OperationCanceledException("killed")));
        Assert.False(FeatureStoreCheck.Verify(_store).IsComplete);

        // When it runs again
        var (computed, kept) = new ShardWriter(_store, metadata, shard).Write(entries, [], Compute);

        // Then the two finished chunks are kept and the store is complete
        Assert.Equal((3, 2), (computed, kept));
        Assert.True(FeatureStoreCheck.Verify(_store).IsComplete);
    }

    [Fact]
    public void Verify_MissingAndDamagedShards_NamesTheShardsToRerun()
    {
        var metadata = Metadata(shards: 3);
        metadata.CreateOrCheck(_store, "test");
        new ShardWriter(_store, metadata, new Shard(0, 3)).Write(Entries(30, new Shard(0, 3)), [], Compute);
        new ShardWriter(_store, metadata, new Shard(2, 3)).Write(Entries(30, new Shard(2, 3)), [], Compute);
        string rows = new ShardFolder(_store, new Shard(2, 3)).RowsFile(0);
        byte[] bytes = File.ReadAllBytes(rows);
        bytes[5] ^= 1;
        File.WriteAllBytes(rows, bytes);

        var verification = FeatureStoreCheck.Verify(_store);
        var merge = FeatureStoreCheck.Merge(_store);

        Assert.Equal([1, 2], verification.ShardsToRerun);
        Assert.Contains(verification.Problems, p => p.Contains("shard 1: never started"));
        Assert.Contains(verification.Problems, p => p.Contains("shard 2: chunk 0's rows fail their checksum"));
        Assert.Equal(verification.ShardsToRerun, merge.ShardsToRerun);
        Assert.Contains("rerun shard(s) 1, 2", FeatureStoreCheck.Describe(_store, merge));
        Assert.False(File.Exists(Path.Combine(_store, FeatureStoreCheck.MergedName)));
    }

    [Fact]
    public void Verify_ImageInTheWrongShard_IsReported()
    {
        var metadata = Metadata(shards: 2);
        metadata.CreateOrCheck(_store, "test");
        new ShardWriter(_store, metadata, new Shard(0, 2)).Write(Entries(30, new Shard(1, 2)), [], Compute);
        new ShardWriter(_store, metadata, new Shard(1, 2)).Write(Entries(30, new Shard(1, 2)), [], Compute);

        var verification = FeatureStoreCheck.Verify(_store);

        Assert.Contains(verification.Problems, p => p.StartsWith("shard 0:", StringComparison.Ordinal) && p.Contains("belongs to shard 1"));
        Assert.Equal([0], verification.ShardsToRerun);
    }

    [Theory]
    [InlineData("bf16", "precision fp32 (store) vs bf16 (this shard)")]
    [InlineData(null, "shards 2 (store) vs 4 (this shard)")]
    public void CreateOrCheck_ShardOfAnotherKind_IsRefused(string? precision, string expected)
    {
        Metadata().CreateOrCheck(_store, "shard 0/2");
        var other = precision is null ? Metadata(shards: 4) : Metadata(precision: precision);

        var error = Assert.Throws<TenniException>(() => other.CreateOrCheck(_store, "shard 1/2"));

        Assert.Contains(expected, error.Message);
        Assert.Contains("use the store's settings or another --out", error.Message);
    }

    [Fact]
    public void Open_NotAStoreOrNotMerged_SaysWhatToRun()
    {
        Assert.Contains("is not a feature store", Assert.Throws<TenniException>(() => MergedStore.Open(_store)).Message);
        Assert.Contains("does not exist", Assert.Throws<TenniException>(() => MergedStore.Open(Path.Combine(_store, "none"))).Message);
        Metadata().CreateOrCheck(_store, "test");
        Assert.Contains("tenni features merge", Assert.Throws<TenniException>(() => MergedStore.Open(_store)).Message);
    }
}
