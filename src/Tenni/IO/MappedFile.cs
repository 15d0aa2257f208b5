using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Tenni.IO;

/// <summary>
/// A file's bytes mapped read-only into memory, as <see cref="Memory{T}"/>: reading a large model file
/// this way touches the page cache's pages instead of copying them into fresh memory. On the project's
/// machine first-touching fresh memory costs ≈ 5 ms per MB (the host backs guest pages lazily): reading
/// ResNet18's 63 MB into an array took 0.31 s, mapping it 0.04–0.09 s (docs/benchmarks.md, startup).
/// </summary>
/// <remarks>
/// The mapping lives as long as anything holds its memory (protobuf byte strings wrap it): it is released
/// by the finalizer, never while a view of it can still be read. <see cref="IDisposable.Dispose"/> is for
/// owners who know no view is left.
/// </remarks>
internal sealed unsafe class MappedFile : MemoryManager<byte>
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly int _length;
    private byte* _pointer;

    private MappedFile(MemoryMappedFile file, MemoryMappedViewAccessor view, int length)
    {
        _file = file;
        _view = view;
        _length = length;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
        _pointer += _view.PointerOffset;
    }

    // CA2015 warns that a span taken from this memory may outlive its manager. Spans of it are taken only
    // while the protobuf byte string that holds the manager is reachable (OnnxTensors.ToTorch keeps its
    // tensor alive until the copy is made); without a finalizer the mapping would stay for the process's life.
#pragma warning disable CA2015
    ~MappedFile() => Dispose(false);
#pragma warning restore CA2015

    /// <summary>Maps <paramref name="path"/>; null for an empty file or one past 2 GB (protobuf's limit: read it another way, which reports it).</summary>
    public static MappedFile? Open(string path)
    {
        long length = new FileInfo(path).Length;
        if (length is 0 or > int.MaxValue)
        {
            return null;
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.Read);
        try
        {
            return new MappedFile(file, file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read), (int)length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public int Length => _length;

    public override Span<byte> GetSpan() => _pointer == null ? throw new ObjectDisposedException(nameof(MappedFile)) : new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
        // Mapped memory never moves.
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer == null)
        {
            return;
        }

        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        if (disposing)
        {
            _view.Dispose();
            _file.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
