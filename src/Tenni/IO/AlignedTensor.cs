using static TorchSharp.torch;

namespace Tenni.IO;

/// <summary>
/// Tensors made from managed arrays, copied into libtorch's own (64-byte aligned) memory. TorchSharp's
/// <c>tensor(float[])</c> wraps the pinned array, whose alignment varies from run to run, and MKL picks
/// different kernels for different alignments: same inputs, last-bit different results. Training must
/// be reproducible, so every batch goes through here.
/// </summary>
internal static class AlignedTensor
{
    /// <summary>A float32 tensor of <paramref name="shape"/> holding <paramref name="values"/> (one copy, no managed array needed: pooled buffers, file bytes).</summary>
    public static Tensor From(ReadOnlySpan<float> values, params long[] shape) =>
        FromBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), ScalarType.Float32, shape);

    /// <summary>A tensor of <paramref name="dtype"/> and <paramref name="shape"/> whose memory is <paramref name="bytes"/> (little-endian values).</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, params long[] shape)
    {
        var result = empty(shape, dtype);
        if (result.bytes.Length != bytes.Length)
        {
            result.Dispose();
            throw new ArgumentException($"{bytes.Length} bytes for a {dtype} tensor of shape [{string.Join(", ", shape)}]");
        }

        bytes.CopyTo(result.bytes);
        return result;
    }

    public static Tensor From(float[] values, params long[] shape)
    {
        using var wrapped = tensor(values, shape);
        return wrapped.clone();
    }

    public static Tensor From(long[] values, params long[] shape)
    {
        using var wrapped = tensor(values, shape);
        return wrapped.clone();
    }
}
