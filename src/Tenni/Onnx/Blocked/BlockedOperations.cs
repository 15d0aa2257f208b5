using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tenni.Onnx.Blocked;

/// <summary>A pooling window: kernel, stride and the padding before each axis (ONNX MaxPool and AveragePool).</summary>
internal readonly record struct PoolWindow((int Y, int X) Kernel, (int Y, int X) Stride, int Top, int Left, bool Average, bool CountPadding);

/// <summary>The blocked layout's other operators (pooling, elementwise) and its conversions from and to NCHW.</summary>
/// <remarks>
/// Every method with a loop over vectors here and in <see cref="DirectConvolution"/> is compiled fully
/// optimised at its first call (<see cref="MethodImplOptions.AggressiveOptimization"/>). Under tiered
/// compilation they would start as tier-0 code, in which each <see cref="Vector512"/> operation is a call:
/// ResNet18's stem with its pooling took 4.8 ms an image instead of 1.75, and a process that predicts a few
/// photos ends before the tier-1 code arrives (docs/benchmarks.md, fifth round).
/// </remarks>
internal static unsafe class BlockedOperations
{
    private const int Lanes = 16;

    /// <summary>
    /// Max or average pooling. Padded pixels never win a max (ONNX: they are −∞) and count in an average
    /// only with <see cref="PoolWindow.CountPadding"/> (count_include_pad), so windows are clipped to the plane.
    /// </summary>
    public static void Pool(BlockedShape inShape, float* input, BlockedShape outShape, float* output, PoolWindow window, int threads)
    {
        nint source = (nint)input, target = (nint)output;
        For(outShape.Batch * outShape.Blocks * outShape.Height, threads, row =>
        {
            int y = row % outShape.Height, plane = row / outShape.Height;
            int image = plane / outShape.Blocks, block = plane % outShape.Blocks;
            PoolRows(inShape, (float*)source + inShape.PlaneStart(image, block), y, y + 1, (float*)target + outShape.PlaneStart(image, block), outShape, window);
        });
    }

    /// <summary>Output rows [<paramref name="first"/>, <paramref name="last"/>) of one plane: <paramref name="plane"/> and <paramref name="output"/> point at their planes' first padded pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PoolRows(BlockedShape inShape, float* plane, int first, int last, float* output, BlockedShape outShape, PoolWindow window)
    {
        for (int y = first; y < last; y++)
        {
            int top = Math.Max(0, (y * window.Stride.Y) - window.Top), bottom = Math.Min(inShape.Height, (y * window.Stride.Y) - window.Top + window.Kernel.Y);
            float* to = output + outShape.Offset(0, 0, y, 0);
            for (int x = 0; x < outShape.Width; x++)
            {
                int left = Math.Max(0, (x * window.Stride.X) - window.Left), right = Math.Min(inShape.Width, (x * window.Stride.X) - window.Left + window.Kernel.X);
                float* corner = plane + inShape.Offset(0, 0, top, left);
                int rows = bottom - top, columns = right - left;
                if (window.Average)
                {
                    int count = window.CountPadding ? window.Kernel.Y * window.Kernel.X : rows * columns;
                    (Sum(corner, rows, columns, inShape.RowStride) * (1f / Math.Max(1, count))).Store(to + (x * Lanes));
                }
                else
                {
                    Max(corner, rows, columns, inShape.RowStride).Store(to + (x * Lanes));
                }
            }
        }
    }

    /// <summary>body(0 … count − 1) on up to <paramref name="threads"/> threads; on one, a plain loop on the calling thread.</summary>
    public static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> Max(float* corner, int rows, int columns, long rowStride)
    {
        var result = Vector512.Create(float.NegativeInfinity);
        for (int y = 0; y < rows; y++, corner += rowStride)
        {
            for (int x = 0; x < columns; x++)
            {
                result = Vector512.Max(result, Vector512.Load(corner + (x * Lanes)));
            }
        }

        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> Sum(float* corner, int rows, int columns, long rowStride)
    {
        var result = Vector512<float>.Zero;
        for (int y = 0; y < rows; y++, corner += rowStride)
        {
            for (int x = 0; x < columns; x++)
            {
                result += Vector512.Load(corner + (x * Lanes));
            }
        }

        return result;
    }

    /// <summary>The mean of every plane: [N, C, 1, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAverage(BlockedShape inShape, float* input, BlockedShape outShape, float* output)
    {
        float scale = 1f / (inShape.Height * inShape.Width);
        for (int image = 0; image < inShape.Batch; image++)
        {
            for (int block = 0; block < inShape.Blocks; block++)
            {
                var sum = Vector512<float>.Zero;
                for (int y = 0; y < inShape.Height; y++)
                {
                    float* from = input + inShape.Offset(image, block, y, 0);
                    for (int x = 0; x < inShape.Width; x++, from += Lanes)
                    {
                        sum += Vector512.Load(from);
                    }
                }

                (sum * scale).Store(output + outShape.Offset(image, block, 0, 0));
            }
        }
    }

    /// <summary>output = relu?(a + b?): an addition or a ReLU that no convolution could take into its epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddRelu(BlockedShape aShape, float* a, BlockedShape bShape, float* b, BlockedShape outShape, float* output, bool relu)
    {
        for (int image = 0; image < outShape.Batch; image++)
        {
            for (int block = 0; block < outShape.Blocks; block++)
            {
                for (int y = 0; y < outShape.Height; y++)
                {
                    float* x = a + aShape.Offset(image, block, y, 0);
                    float* z = b == null ? null : b + bShape.Offset(image, block, y, 0);
                    float* to = output + outShape.Offset(image, block, y, 0);
                    for (int i = 0; i < outShape.Width * Lanes; i += Lanes)
                    {
                        var value = Vector512.Load(x + i);
                        if (z != null)
                        {
                            value += Vector512.Load(z + i);
                        }

                        if (relu)
                        {
                            value = Vector512.Max(value, Vector512<float>.Zero);
                        }

                        value.Store(to + i);
                    }
                }
            }
        }
    }

    /// <summary>Copies a contiguous NCHW batch into the blocked layout: row by row into planes (blocks of 1), or interleaved into blocks of 16.</summary>
    public static void FromNchw(float* nchw, BlockedShape shape, float* output, int threads)
    {
        nint source = (nint)nchw, target = (nint)output;
        For(shape.Batch * shape.Channels, threads, index => FromNchwChannel((float*)source, shape, (float*)target, index));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FromNchwChannel(float* nchw, BlockedShape shape, float* output, int index)
    {
        int image = index / shape.Channels, channel = index % shape.Channels;
        int plane = shape.Height * shape.Width;
        float* from = nchw + ((long)index * plane);
        if (shape.Block == 1)
        {
            for (int y = 0; y < shape.Height; y++, from += shape.Width)
            {
                new ReadOnlySpan<float>(from, shape.Width).CopyTo(new Span<float>(output + shape.Offset(image, channel, y, 0), shape.Width));
            }

            return;
        }

        for (int y = 0; y < shape.Height; y++)
        {
            float* to = output + shape.Offset(image, channel / shape.Block, y, 0) + (channel % shape.Block);
            for (int x = 0; x < shape.Width; x++, to += shape.Block)
            {
                *to = *from++;
            }
        }
    }

    /// <summary>Copies a blocked activation out as a contiguous NCHW batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToNchw(BlockedShape shape, float* input, float* nchw)
    {
        int plane = shape.Height * shape.Width;
        for (int image = 0; image < shape.Batch; image++)
        {
            for (int channel = 0; channel < shape.Channels; channel++)
            {
                float* to = nchw + (((long)(image * shape.Channels) + channel) * plane);
                for (int y = 0; y < shape.Height; y++)
                {
                    float* from = input + shape.Offset(image, channel / shape.Block, y, 0) + (channel % shape.Block);
                    for (int x = 0; x < shape.Width; x++, from += shape.Block)
                    {
                        *to++ = *from;
                    }
                }
            }
        }
    }
}
