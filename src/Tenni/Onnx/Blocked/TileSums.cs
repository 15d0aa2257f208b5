using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tenni.Onnx.Blocked;

/// <summary>
/// One output row's tile of the convolution kernels (float32 and bfloat16): 7 pixels × 32 channels, as 14
/// float32 sums (pixels 0–6 of the first 16 channels, then of the second 16). Set up before the
/// multiply-adds, written out after them.
/// </summary>
internal static unsafe class TileSums
{
    private const int Lanes = 16;
    private const int Width = DirectConvolution.TileWidth;

    /// <summary>A convolution's bias [O] in native, 64-byte aligned memory, as the sums start from it (empty: zeros); freed with NativeMemory.AlignedFree.</summary>
    public static float* NativeBias(ReadOnlySpan<float> bias, int outChannels)
    {
        float* copy = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(outChannels * sizeof(float)), 64);
        for (int o = 0; o < outChannels; o++)
        {
            copy[o] = bias.IsEmpty ? 0 : bias[o];
        }

        return copy;
    }

    // The sums start at the bias plus the residual: read before the long multiply-add loop rather
    // than after it, the residual's loads never wait on the tile's own stores (5 ms a layer slower).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Start(Vector512<float>* sums, float* bias, float* residual, long residualBlockStride, int count)
    {
        for (int half = 0; half < 2; half++)
        {
            var start = Vector512.Load(bias + (half * Lanes));
            float* added = residual == null ? null : residual + (half * residualBlockStride);
            for (int i = 0; i < Width; i++)
            {
                sums[(half * Width) + i] = added != null && i < count ? start + Vector512.Load(added + (i * Lanes)) : start;
            }
        }
    }

    /// <summary>The first <paramref name="count"/> pixels of each half, ReLU applied if asked, to <paramref name="target"/> and the next block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Store(Vector512<float>* sums, float* target, long blockStride, int count, bool relu)
    {
        for (int half = 0; half < 2; half++, target += blockStride)
        {
            for (int i = 0; i < count; i++)
            {
                var value = sums[(half * Width) + i];
                (relu ? Vector512.Max(value, Vector512<float>.Zero) : value).Store(target + (i * Lanes));
            }
        }
    }
}
