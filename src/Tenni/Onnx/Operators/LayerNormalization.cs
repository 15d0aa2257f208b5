using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>
/// LayerNormalization (opset 17; ConvNeXt, vision transformers): normalizes over the axes from
/// <c>axis</c> to the last with the biased variance, then scales and shifts. Mean and InvStdDev,
/// the optional training outputs, are given when asked for.
/// </summary>
internal static class LayerNormalization
{
    public static OnnxKernel Factory(OnnxNode node)
    {
        long axis = node.Int("axis", -1);
        double epsilon = node.Float("epsilon", 1e-5f);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long start = TensorValues.Axis(axis, x.dim());
            long[] dims = Enumerable.Range((int)start, (int)(x.dim() - start)).Select(i => (long)i).ToArray();
            Tensor mean = x.mean(dims, keepdim: true);
            Tensor centered = x - mean;
            Tensor inverse = ((centered * centered).mean(dims, keepdim: true) + epsilon).rsqrt();
            Tensor y = centered * inverse * inputs[1]!;
            y = TensorValues.Optional(inputs, 2) is { } bias ? y + bias : y;
            return [y, mean, inverse];
        };
    }
}
