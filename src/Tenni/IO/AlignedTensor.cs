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
