using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>
/// InstanceNormalization (also how PyTorch exports GroupNorm: Reshape → InstanceNormalization with unit
/// scale → Reshape → Mul → Add): each image's channel normalized over its spatial axes with the biased
/// variance, then scaled and shifted per channel (trained parameters).
/// </summary>
internal static class InstanceNormalization
{
    public static OnnxKernel Factory(OnnxNode node)
    {
        double epsilon = node.Float("epsilon", 1e-5f);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] spatial = Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray();
            long[] perChannel = [x.shape[1], .. Enumerable.Repeat(1L, spatial.Length)];
            Tensor centered = x - x.mean(spatial, keepdim: true);
            Tensor normalized = centered * ((centered * centered).mean(spatial, keepdim: true) + epsilon).rsqrt();
            return [(normalized * inputs[1]!.reshape(perChannel)) + inputs[2]!.reshape(perChannel)];
        };
    }
}
