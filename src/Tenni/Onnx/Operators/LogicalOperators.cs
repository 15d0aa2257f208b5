using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>Comparisons, boolean logic, Where and the variadic Min/Max/Mean (numpy broadcasting throughout).</summary>
internal static class LogicalOperators
{
    public static OnnxKernel Equal(OnnxNode node) => Binary((a, b) => a.eq(b));

    public static OnnxKernel Less(OnnxNode node) => Binary((a, b) => a.lt(b));

    public static OnnxKernel LessOrEqual(OnnxNode node) => Binary((a, b) => a.le(b));

    public static OnnxKernel Greater(OnnxNode node) => Binary((a, b) => a.gt(b));

    public static OnnxKernel GreaterOrEqual(OnnxNode node) => Binary((a, b) => a.ge(b));

    public static OnnxKernel And(OnnxNode node) => Binary((a, b) => a.logical_and(b));

    public static OnnxKernel Or(OnnxNode node) => Binary((a, b) => a.logical_or(b));

    public static OnnxKernel Xor(OnnxNode node) => Binary((a, b) => a.logical_xor(b));

    public static OnnxKernel Where(OnnxNode node) => (inputs, _) => [where(inputs[0]!.to_type(ScalarType.Bool), inputs[1]!, inputs[2]!)];

    public static OnnxKernel Min(OnnxNode node) => Fold(minimum);

    public static OnnxKernel Max(OnnxNode node) => Fold(maximum);

    public static OnnxKernel Mean(OnnxNode node) => (inputs, mode) =>
    {
        Tensor[] present = inputs.Where(t => t is not null).Select(t => t!).ToArray();
        Tensor total = present[0].alias();
        foreach (Tensor x in present.Skip(1))
        {
            total = total + x;
        }

        return [total / present.Length];
    };

    private static OnnxKernel Binary(Func<Tensor, Tensor, Tensor> op) => (inputs, _) => [op(inputs[0]!, inputs[1]!)];

    private static OnnxKernel Fold(Func<Tensor, Tensor, Tensor> op) => (inputs, _) =>
    {
        Tensor[] present = inputs.Where(t => t is not null).Select(t => t!).ToArray();
        Tensor result = present[0].alias();
        foreach (Tensor x in present.Skip(1))
        {
            result = op(result, x);
        }

        return [result];
    };
}
