using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>
/// ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2,
/// ReduceLogSum, ReduceLogSumExp, ArgMax, ArgMin. Axes are an attribute until the opset in which they
/// became an input (13 for ReduceSum, 18 for the others); no axes reduce everything unless
/// <c>noop_with_empty_axes</c> says to return the input.
/// </summary>
internal static class ReduceOperators
{
    public static OnnxKernel Mean(OnnxNode node) => Reduce(node, (x, d, k) => x.mean(d, k));

    public static OnnxKernel Sum(OnnxNode node) => Reduce(node, (x, d, k) => x.sum(d, k));

    public static OnnxKernel Max(OnnxNode node) => Reduce(node, (x, d, k) => x.amax(d, k));

    public static OnnxKernel Min(OnnxNode node) => Reduce(node, (x, d, k) => x.amin(d, k));

    public static OnnxKernel Prod(OnnxNode node) => Reduce(node, Product);

    public static OnnxKernel SumSquare(OnnxNode node) => Reduce(node, (x, d, k) => (x * x).sum(d, k));

    public static OnnxKernel L1(OnnxNode node) => Reduce(node, (x, d, k) => x.abs().sum(d, k));

    public static OnnxKernel L2(OnnxNode node) => Reduce(node, (x, d, k) => TensorValues.IsInteger(x)
        ? (x * x).sum(d, k).to_type(ScalarType.Float64).sqrt().to_type(x.dtype)
        : (x * x).sum(d, k).sqrt());

    public static OnnxKernel LogSum(OnnxNode node) => Reduce(node, (x, d, k) => x.sum(d, k).log());

    // logsumexp, stabilized by the maximum (torch's logsumexp takes one dimension in this binding).
    public static OnnxKernel LogSumExp(OnnxNode node) => Reduce(node, (x, d, k) =>
    {
        Tensor peak = x.amax(d, true).nan_to_num(0, 0, 0);
        Tensor result = (x - peak).exp().sum(d, true).log() + peak;
        return k ? result : d.OrderDescending().Aggregate(result, (t, i) => t.squeeze(i));
    });

    public static OnnxKernel ArgMax(OnnxNode node) => Arg(node, (x, d, k) => x.argmax(d, k));

    public static OnnxKernel ArgMin(OnnxNode node) => Arg(node, (x, d, k) => x.argmin(d, k));

    private static OnnxKernel Reduce(OnnxNode node, Func<Tensor, long[], bool, Tensor> reduce)
    {
        bool keep = node.Int("keepdims", 1) != 0;
        bool noop = node.Int("noop_with_empty_axes", 0) != 0;
        long[]? attributeAxes = node.Ints("axes");
        bool axesInput = node.OpType == "ReduceSum" ? node.Opset >= 13 : node.Opset >= 18;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] axes = axesInput ? (TensorValues.Optional(inputs, 1) is { } a ? TensorValues.Longs(a) : []) : attributeAxes ?? [];
            if (axes.Length == 0 && noop)
            {
                return [x.alias()];
            }

            long[] dims = axes.Length == 0
                ? Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray()
                : axes.Select(v => TensorValues.Axis(v, x.dim())).ToArray();
            return [reduce(x, dims, keep)];
        };
    }

    // torch's prod reduces one dimension at a time.
    private static Tensor Product(Tensor x, long[] dims, bool keep)
    {
        Tensor result = x.alias();
        foreach (long d in dims.OrderDescending())
        {
            result = result.prod(d, keep);
        }

        return result;
    }

    private static OnnxKernel Arg(OnnxNode node, Func<Tensor, long, bool, Tensor> arg)
    {
        long axis = node.Int("axis", 0);
        bool keep = node.Int("keepdims", 1) != 0;
        bool last = node.Int("select_last_index", 0) != 0;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            if (!last)
            {
                return [arg(x, a, keep)];
            }

            // The last of equal extremes: search the reversed axis, then count back from the end.
            Tensor reversed = arg(x.flip(a), a, keep);
            return [(x.shape[a] - 1) - reversed];
        };
    }
}
