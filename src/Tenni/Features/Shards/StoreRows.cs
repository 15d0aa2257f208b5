using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace Tenni.Features;

/// <summary>
/// Rows of a feature store read where they lie, in the shards' chunk files, by positional reads. The
/// files stay in the operating system's page cache, shared and evictable, instead of being mapped into
/// the process, whose resident size would then grow with every row touched: memory stays flat whatever
/// the number of rows (docs/scale-out.md).
/// </summary>
internal sealed class StoreRows(string store, StoreMetadata metadata, int[] shards, int[] rows) : IFeatureRows, IDisposable
{
    // Open chunk files at most; beyond, all are closed and reopened on demand (a million rows in chunks
    // of 1,024 are a thousand files: past many processes' limit of open files).
    private const int MaxOpenFiles = 256;

    private readonly Dictionary<(int Shard, int Chunk), SafeFileHandle> _open = [];
    private readonly byte[] _row = new byte[metadata.RowBytes];
    private float[] _values = [];

    public int Count => rows.Length;

    public Tensor Gather(ReadOnlySpan<int> indices)
    {
        int length = metadata.RowLength;
        // One buffer per batch size, reused, copied into the tensor's own (aligned) memory: a fresh array
        // per batch would be large-object garbage that only a full collection frees, and the heap would
        // grow with the number of batches.
        float[] values = _values.Length == indices.Length * length ? _values : (_values = new float[indices.Length * length]);
        for (int i = 0; i < indices.Length; i++)
        {
            int row = rows[indices[i]];
            var handle = Handle(shards[indices[i]], row / metadata.ChunkRows);
            long offset = (long)(row % metadata.ChunkRows) * metadata.RowBytes;
            if (RandomAccess.Read(handle, _row, offset) != _row.Length)
            {
                throw new TenniException($"feature store '{store}': shard {shards[indices[i]]}'s chunk {row / metadata.ChunkRows} ends early; verify it (tenni features verify {store}) and rerun that shard");
            }

            Decode(_row, values.AsSpan(i * length, length));
        }

        Tensor batch = empty([indices.Length, .. metadata.RowShape], ScalarType.Float32);
        batch.data<float>().CopyFrom(values);
        return batch;
    }

    public void Dispose()
    {
        foreach (var handle in _open.Values)
        {
            handle.Dispose();
        }

        _open.Clear();
    }

    private void Decode(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        if (metadata.DType == FeatureDType.Float32)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
            return;
        }

        var half = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)half[i];
        }
    }

    private SafeFileHandle Handle(int shard, int chunk)
    {
        if (_open.TryGetValue((shard, chunk), out var handle))
        {
            return handle;
        }

        if (_open.Count >= MaxOpenFiles)
        {
            Dispose();
        }

        string path = new ShardFolder(store, new Shard(shard, metadata.Shards)).RowsFile(chunk);
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TenniException($"feature store '{store}': cannot read '{path}' ({e.Message}); verify the store (tenni features verify {store})");
        }

        _open[(shard, chunk)] = handle;
        return handle;
    }
}
