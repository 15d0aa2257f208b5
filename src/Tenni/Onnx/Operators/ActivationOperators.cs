using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Tenni.Onnx.Operators;

/// <summary>Relu, LeakyRelu, Sigmoid, Tanh, Clip (ReLU6), Softmax and LogSoftmax with both opset conventions.</summary>
internal static class ActivationOperators
{
    public static OnnxKernel Relu(OnnxNode node) => (inputs, _) => [F.relu(inputs[0]!)];

    public static OnnxKernel LeakyRelu(OnnxNode node)
    {
        double alpha = node.Float("alpha", 0.01f);
        return (inputs, _) => [F.leaky_relu(inputs[0]!, alpha)];
    }

    public static OnnxKernel Sigmoid(OnnxNode node) => (inputs, _) => [inputs[0]!.sigmoid()];

    public static OnnxKernel Tanh(OnnxNode node) => (inputs, _) => [inputs[0]!.tanh()];

    /// <summary>Clip: bounds are attributes before opset 11 and optional scalar inputs from 11 on.</summary>
    public static OnnxKernel Clip(OnnxNode node)
    {
        if (node.Opset < 11)
        {
            float min = node.Float("min", float.MinValue);
            float max = node.Float("max", float.MaxValue);
            return (inputs, _) => [inputs[0]!.clamp(min, max)];
        }

        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            if (TensorValues.IsInteger(x))
            {
                // Integer tensors keep their type: bounds of the same type through minimum/maximum (clamp with scalars promotes to float).
                Tensor y = inputs.Length > 1 && inputs[1] is { } low ? maximum(x, low.to_type(x.dtype)) : x.alias();
                return [inputs.Length > 2 && inputs[2] is { } high ? minimum(y, high.to_type(x.dtype)) : y];
            }

            Scalar? min = inputs.Length > 1 && inputs[1] is { } lo ? (float)Scalars.ToDouble(lo) : null;
            Scalar? max = inputs.Length > 2 && inputs[2] is { } hi ? (float)Scalars.ToDouble(hi) : null;
            return min is null && max is null ? [x.alias()] : [x.clamp(min, max)];
        };
    }

    public static OnnxKernel Softmax(OnnxNode node) => SoftmaxLike(node, (x, dim) => x.softmax(dim));

    public static OnnxKernel LogSoftmax(OnnxNode node) => SoftmaxLike(node, (x, dim) => x.log_softmax(dim));

    // Before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalised over the
    // flattened trailing part; from 13 on it is normalised along `axis` (default -1).
    private static OnnxKernel SoftmaxLike(OnnxNode node, Func<Tensor, long, Tensor> apply)
    {
        bool legacy = node.Opset < 13;
        long axis = node.Int("axis", legacy ? 1 : -1);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long a = axis < 0 ? axis + x.dim() : axis;
            if (!legacy)
            {
                return [apply(x, a)];
            }

            long[] shape = x.shape;
            long rows = shape[..(int)a].Aggregate(1L, (p, d) => p * d);
            return [apply(x.reshape(rows, -1), 1).reshape(shape)];
        };
    }
}
