using System.IO.MemoryMappedFiles;
using static TorchSharp.torch;

namespace Tenni.Features;

/// <summary>
/// Cached activations of a list of samples, one row each: in memory for small sets, in a memory-mapped
/// file for large ones (so the operating system pages them in and out, not the process's heap).
/// </summary>
internal sealed class FeatureStore : IFeatureRows, IDisposable
{
    private readonly float[]? _memory;
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly string? _path;

    private FeatureStore(long[] rowShape, int rows, float[]? memory, string? path)
    {
        RowShape = rowShape;
        Rows = rows;
        RowLength = (int)rowShape.Aggregate(1L, (p, d) => p * d);
        _memory = memory;
        if (path is not null)
        {
            _path = path;
            _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }
    }

    /// <summary>Sets above this size go to a memory-mapped file.</summary>
    public const long InMemoryLimitBytes = 1L << 30;

    public long[] RowShape { get; }

    public int Rows { get; }

    public int RowLength { get; }

    public bool IsMemoryMapped => _view is not null;

    /// <summary>Builds a store from per-row files (each <see cref="RowLength"/> float32 values and their checksum, as <see cref="FeatureCache"/> writes them).</summary>
    public static FeatureStore FromRowFiles(IReadOnlyList<string> rowFiles, long[] rowShape, string scratchFolder, long inMemoryLimitBytes = InMemoryLimitBytes)
    {
        int length = (int)rowShape.Aggregate(1L, (p, d) => p * d);
        long bytes = (long)rowFiles.Count * length * 4;
        if (bytes <= inMemoryLimitBytes)
        {
            float[] memory = new float[rowFiles.Count * length];
            try
            {
                Parallel.For(0, rowFiles.Count, i => ReadRow(rowFiles[i], memory.AsSpan(i * length, length)));
            }
            catch (AggregateException e) when (e.InnerExceptions[0] is TenniException first)
            {
                throw first;
            }

            return new FeatureStore(rowShape, rowFiles.Count, memory, null);
        }

        Directory.CreateDirectory(scratchFolder);
        string path = Path.Combine(scratchFolder, $"features-{Guid.NewGuid():N}.f32");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            float[] row = new float[length];
            foreach (string file in rowFiles)
            {
                ReadRow(file, row);
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }

        return new FeatureStore(rowShape, rowFiles.Count, null, path);
    }

    /// <summary>The rows at <paramref name="indices"/> as one [n, ...] tensor.</summary>
    public Tensor Gather(ReadOnlySpan<int> indices)
    {
        float[] values = new float[indices.Length * RowLength];
        for (int i = 0; i < indices.Length; i++)
        {
            if (_memory is not null)
            {
                Array.Copy(_memory, (long)indices[i] * RowLength, values, (long)i * RowLength, RowLength);
            }
            else
            {
                _view!.ReadArray((long)indices[i] * RowLength * 4, values, i * RowLength, RowLength);
            }
        }

        return IO.AlignedTensor.From(values, [indices.Length, .. RowShape]);
    }

    public void Dispose()
    {
        _view?.Dispose();
        _file?.Dispose();
        if (_path is not null && File.Exists(_path))
        {
            File.Delete(_path);
        }
    }

    private static void ReadRow(string file, Span<float> destination)
    {
        if (!CacheRow.TryRead(file, destination))
        {
            throw new TenniException($"cached activation '{file}' is missing, damaged or not {destination.Length} values with their checksum ({CacheRow.FileBytes(destination.Length)} bytes); run again to recompute it, or delete the cache folder to rebuild it");
        }
    }
}
