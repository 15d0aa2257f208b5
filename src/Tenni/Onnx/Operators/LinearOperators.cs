using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>Gemm (alpha, beta, transA, transB, optional broadcast C) and MatMul.</summary>
internal static class LinearOperators
{
    public static OnnxKernel Gemm(OnnxNode node)
    {
        double alpha = node.Float("alpha", 1f);
        double beta = node.Float("beta", 1f);
        bool transA = node.Int("transA", 0) != 0;
        bool transB = node.Int("transB", 0) != 0;
        return (inputs, _) =>
        {
            Tensor a = transA ? inputs[0]!.t() : inputs[0]!;
            Tensor b = transB ? inputs[1]!.t() : inputs[1]!;
            Tensor y = a.matmul(b);
            if (alpha != 1)
            {
                y = y * alpha;
            }

            if (inputs.Length > 2 && inputs[2] is { } c)
            {
                y = beta == 1 ? y + c : y + (c * beta);
            }

            return [y];
        };
    }

    public static OnnxKernel MatMul(OnnxNode node) => (inputs, _) => [inputs[0]!.matmul(inputs[1]!)];
}
