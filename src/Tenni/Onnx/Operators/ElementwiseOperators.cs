using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>Add, Sub, Mul, Div (numpy broadcasting, and the legacy broadcast/axis attributes before opset 7), Sum.</summary>
internal static class ElementwiseOperators
{
    public static OnnxKernel Add(OnnxNode node) => Binary(node, (a, b) => a + b);

    public static OnnxKernel Sub(OnnxNode node) => Binary(node, (a, b) => a - b);

    public static OnnxKernel Mul(OnnxNode node) => Binary(node, (a, b) => a * b);

    // Integer division truncates in ONNX (and in C); torch's `/` would return floats.
    public static OnnxKernel Div(OnnxNode node) => Binary(node, (a, b) => TensorValues.IsInteger(a) && TensorValues.IsInteger(b) ? a.div(b, RoundingMode.trunc) : a / b);

    public static OnnxKernel Sum(OnnxNode node) => (inputs, _) =>
    {
        Tensor total = inputs[0]!.alias();
        foreach (Tensor? x in inputs.Skip(1))
        {
            total = total + x!;
        }

        return [total];
    };

    private static OnnxKernel Binary(OnnxNode node, Func<Tensor, Tensor, Tensor> op)
    {
        bool legacyAxis = node.Opset < 7 && node.Int("broadcast", 0) != 0 && node.Has("axis");
        long axis = node.Int("axis", 0);
        return (inputs, _) =>
        {
            Tensor a = inputs[0]!;
            Tensor b = inputs[1]!;
            if (legacyAxis)
            {
                // Old-style broadcast: b's dims line up with a's starting at `axis`.
                long start = axis < 0 ? axis + a.dim() : axis;
                long trailing = a.dim() - start - b.dim();
                b = b.reshape(b.shape.Concat(Enumerable.Repeat(1L, (int)trailing)).ToArray());
            }

            return [op(a, b)];
        };
    }
}
