using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tenni.Onnx.Blocked;

/// <summary>
/// The shape of an activation in the channel-blocked layout the float32 kernels read and write
/// (NCHW16c, as oneDNN and ONNX Runtime's MLAS use): channels in blocks of <see cref="Block"/>, each pixel's
/// block contiguous, so one 512-bit register holds one pixel's 16 channels. Every plane carries a zero
/// border of <see cref="Pad"/> pixels, so that a convolution reading it needs no bounds checks.
/// </summary>
internal readonly record struct BlockedShape(int Batch, int Channels, int Height, int Width, int Pad, int Block)
{
    public int Blocks => (Channels + Block - 1) / Block;

    public long RowStride => (long)(Width + (2 * Pad)) * Block;

    public long PlaneStride => (Height + (2 * Pad)) * RowStride;

    public long ImageStride => Blocks * PlaneStride;

    public long Floats => Batch * ImageStride;

    /// <summary>Offset of the first (border) float of a plane.</summary>
    public long PlaneStart(int image, int block) => (image * ImageStride) + (block * PlaneStride);

    /// <summary>Offset of pixel (<paramref name="y"/>, <paramref name="x"/>) of block <paramref name="block"/>; border pixels have negative or past-the-end coordinates.</summary>
    public long Offset(int image, int block, int y, int x) =>
        (image * ImageStride) + (block * PlaneStride) + ((y + Pad) * RowStride) + ((x + Pad) * (long)Block);
}

/// <summary>
/// Native, 64-byte aligned float memory for blocked activations, reused from batch to batch (fresh memory
/// costs page faults: docs/benchmarks.md). A buffer holds one activation at a time; the plan hands
/// buffers out by liveness.
/// </summary>
internal sealed unsafe class BlockedBuffer : IDisposable
{
    // Kernels read up to one 7-pixel tile past the last pixel of a row (a tile cut short by the
    // plane's edge computes, then discards, the missing pixels): slack keeps those reads inside the buffer.
    private const long SlackFloats = 4096;

    public BlockedBuffer(long floats)
    {
        Capacity = floats;
        nuint bytes = (nuint)((floats + SlackFloats) * sizeof(float));
        Data = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(Data, bytes); // finite values everywhere, borders zero
    }

    public long Capacity { get; }

    public float* Data { get; private set; }

    /// <summary>Zeroes the border ring of every plane of <paramref name="shape"/>: the padding a convolution reads as zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ClearBorders(BlockedShape shape)
    {
        if (shape.Pad == 0)
        {
            return;
        }

        int paddedHeight = shape.Height + (2 * shape.Pad);
        long borderRun = shape.Pad * (long)shape.Block;
        for (long plane = 0; plane < (long)shape.Batch * shape.Blocks; plane++)
        {
            float* start = Data + (plane * shape.PlaneStride);
            long rows = shape.Pad * shape.RowStride;
            new Span<float>(start, (int)rows).Clear();
            new Span<float>(start + ((paddedHeight - shape.Pad) * shape.RowStride), (int)rows).Clear();
            for (int y = shape.Pad; y < paddedHeight - shape.Pad; y++)
            {
                float* row = start + (y * shape.RowStride);
                new Span<float>(row, (int)borderRun).Clear();
                new Span<float>(row + shape.RowStride - borderRun, (int)borderRun).Clear();
            }
        }
    }

    public void Dispose()
    {
        if (Data != null)
        {
            NativeMemory.AlignedFree(Data);
            Data = null;
        }
    }
}

/// <summary>
/// One scratch buffer per thread that runs a kernel's jobs, grown when a job needs more and kept for the
/// next call (fresh memory costs page faults); <see cref="Dispose"/> frees every thread's.
/// </summary>
internal sealed unsafe class ThreadScratch : IDisposable
{
    private readonly ThreadLocal<BlockedBuffer> _buffers = new(trackAllValues: true);

    /// <summary>This thread's buffer, of at least <paramref name="floats"/> floats (contents left from its last use).</summary>
    public float* Get(long floats)
    {
        if (_buffers.Value is not { } buffer || buffer.Capacity < floats)
        {
            _buffers.Value?.Dispose();
            buffer = _buffers.Value = new BlockedBuffer(floats);
        }

        return buffer.Data;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers.Values)
        {
            buffer.Dispose();
        }

        _buffers.Dispose();
    }
}
