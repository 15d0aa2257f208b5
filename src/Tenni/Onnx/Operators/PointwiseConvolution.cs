using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>
/// A 1×1 convolution on a channels-last tensor, computed as the matrix product it is
/// ([N·H·W, C_in] × [C_in, C_out]) instead of by oneDNN's convolution.
/// </summary>
/// <remarks>
/// Why: libtorch 2.10's oneDNN (3.7.1) picks its <c>brgconv_1x1:avx512_core</c> kernel for channels-last
/// 1×1 convolutions, with a weight blocking that depends on the CPU's caches. On an AMD EPYC with
/// AVX-512 (Zen 5, seen 2026-11-29) it blocks output channels by 48: 256→512 channels then give wrong
/// values (errors above 1.0 where the values are about 1), and 1024→2048 crashes the process. The same
/// layers in NCHW, and 3×3 convolutions in channels-last, are right. The matrix product is exact
/// (fp32, only the summation order differs), as fast, and the same on every CPU.
/// </remarks>
internal static class PointwiseConvolution
{
    /// <summary>The convolution's output, or null when this is not an ungrouped, unpadded 1×1 convolution of a channels-last tensor.</summary>
    public static Tensor? TryChannelsLast(Tensor x, Tensor w, Tensor? bias, long[] strides, long[] padding, long group)
    {
        if (x.dim() != 4 || w.shape[2] != 1 || w.shape[3] != 1 || group != 1 || padding.Any(p => p != 0) || !IsChannelsLast(x))
        {
            return null;
        }

        Tensor sampled = strides[0] == 1 && strides[1] == 1
            ? x
            : x.slice(2, 0, x.shape[2], strides[0]).slice(3, 0, x.shape[3], strides[1]);
        long n = sampled.shape[0], height = sampled.shape[2], width = sampled.shape[3];
        long inputs = w.shape[1], outputs = w.shape[0];
        Tensor rows = sampled.permute(0, 2, 3, 1).reshape(n * height * width, inputs);
        Tensor weights = w.reshape(outputs, inputs).t();
        Tensor product = bias is null ? rows.matmul(weights) : addmm(bias, rows, weights, 1, 1);
        return product.view(n, height, width, outputs).permute(0, 3, 1, 2);
    }

    // Channels-last: the NCHW-shaped view of memory laid out as NHWC (what OnnxGraph's layout makes).
    private static bool IsChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).is_contiguous();
}
