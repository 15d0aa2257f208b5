using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;
using Tenni.IO;

namespace Tenni.Features;

/// <summary>
/// One shard's files in a store: <c>shards/IIIII-of-NNNNN/</c> holding chunks of rows
/// (<c>chunk-KKKKK.rows</c>, raw little-endian values, then <c>chunk-KKKKK.json</c>: the row count, the
/// content hash of each row's image and the XxHash64 of the rows), then <c>manifest.tsv</c> (every
/// readable image of the shard), <c>skipped.tsv</c>, and last <c>done.json</c>. Each file is written
/// atomically and a chunk counts only once its index exists, so a killed shard leaves complete chunks
/// or nothing; a shard writes only inside its own folder, so it cannot damage another.
/// </summary>
internal sealed class ShardFolder(string store, Shard shard)
{
    public const string ManifestName = "manifest.tsv";
    public const string SkippedName = "skipped.tsv";
    public const string DoneName = "done.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Path { get; } = System.IO.Path.Combine(store, "shards", $"{shard.Index:D5}-of-{shard.Count:D5}");

    public string Manifest => System.IO.Path.Combine(Path, ManifestName);

    public string RowsFile(int chunk) => System.IO.Path.Combine(Path, $"chunk-{chunk:D5}.rows");

    public string ChunkIndexFile(int chunk) => System.IO.Path.Combine(Path, $"chunk-{chunk:D5}.json");

    /// <summary>The shard's record of completion, or null while it is incomplete.</summary>
    public ShardDone? Done()
    {
        string path = System.IO.Path.Combine(Path, DoneName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ShardDone>(File.ReadAllText(path), Json) : null;
        }
        catch (JsonException)
        {
            return null; // unreadable: treated as not done, so the shard is checked and completed again
        }
    }

    public void WriteDone(ShardDone done) =>
        AtomicFile.WriteAllText(System.IO.Path.Combine(Path, DoneName), JsonSerializer.Serialize(done, Json));

    public ChunkIndex? ReadChunkIndex(int chunk)
    {
        try
        {
            string path = ChunkIndexFile(chunk);
            return File.Exists(path) ? JsonSerializer.Deserialize<ChunkIndex>(File.ReadAllText(path), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Rows first, their index second: the index is the chunk's commit.</summary>
    public void WriteChunk(int chunk, byte[] rows, IReadOnlyList<string> hashes)
    {
        AtomicFile.Write(RowsFile(chunk), s => s.Write(rows));
        var index = new ChunkIndex(hashes.Count, Checksum(rows), hashes.ToArray());
        AtomicFile.WriteAllText(ChunkIndexFile(chunk), JsonSerializer.Serialize(index, Json));
    }

    /// <summary>
    /// Why chunk <paramref name="chunk"/> is not the complete chunk of <paramref name="hashes"/>, or null
    /// when it is (its index lists those images, its rows have the right size and checksum).
    /// </summary>
    public string? ChunkProblem(int chunk, IReadOnlyList<string> hashes, int rowBytes)
    {
        var index = ReadChunkIndex(chunk);
        if (index is null)
        {
            return $"chunk {chunk} is missing";
        }

        if (index.Hashes is null || !index.Hashes.SequenceEqual(hashes))
        {
            return $"chunk {chunk} holds other images than the shard's list";
        }

        var info = new FileInfo(RowsFile(chunk));
        if (!info.Exists || info.Length != (long)hashes.Count * rowBytes)
        {
            return $"chunk {chunk}'s rows are missing or not {hashes.Count} rows of {rowBytes} bytes";
        }

        return Checksum(File.ReadAllBytes(RowsFile(chunk))) == index.Xxhash64 ? null : $"chunk {chunk}'s rows fail their checksum";
    }

    public static string Checksum(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(hash, XxHash64.HashToUInt64(bytes));
        return Convert.ToHexString(hash).ToLowerInvariant();
    }
}

internal sealed record ChunkIndex(int Rows, string Xxhash64, string[] Hashes);

/// <summary><c>done.json</c>: the shard finished; what it holds.</summary>
internal sealed record ShardDone(int Index, int Count, int Files, int Rows, int Chunks, int Skipped);
