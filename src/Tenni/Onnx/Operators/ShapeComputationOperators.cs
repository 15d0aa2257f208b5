using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>
/// The operators exporters use to compute shapes (PyTorch's <c>flatten</c>, <c>view</c>, channel shuffle):
/// Shape, Size, Cast, Slice, Expand, ConstantOfShape, Range, Tile. They run on the actual tensors, so a
/// Shape → Gather → Concat → Reshape chain gives the same value ONNX Runtime's constant folding would for
/// a known input shape, and stays right for any batch size.
/// </summary>
internal static class ShapeComputationOperators
{
    /// <summary>Shape, with start/end (opset 15) clamped to the rank.</summary>
    public static OnnxKernel Shape(OnnxNode node)
    {
        long start = node.Int("start", 0);
        long? end = node.Has("end") ? node.Int("end", 0) : null;
        return (inputs, _) =>
        {
            long[] shape = inputs[0]!.shape;
            int rank = shape.Length;
            int from = (int)Math.Clamp(start < 0 ? start + rank : start, 0, rank);
            int to = (int)Math.Clamp(end is { } e ? (e < 0 ? e + rank : e) : rank, 0, rank);
            return [tensor(shape[from..Math.Max(from, to)], ScalarType.Int64)];
        };
    }

    public static OnnxKernel Size(OnnxNode node) => (inputs, _) => [tensor(inputs[0]!.numel(), ScalarType.Int64)];

    public static OnnxKernel Cast(OnnxNode node)
    {
        ScalarType to = TensorValues.TypeOf(node, node.Int("to", 1));
        return (inputs, _) => [inputs[0]!.dtype == to ? inputs[0]!.alias() : inputs[0]!.to_type(to)];
    }

    /// <summary>Expand: numpy broadcasting of the input and the shape (either may hold the 1s).</summary>
    public static OnnxKernel Expand(OnnxNode node) => (inputs, _) =>
    {
        Tensor x = inputs[0]!;
        long[] shape = TensorValues.Longs(inputs[1]!);
        int rank = Math.Max(shape.Length, (int)x.dim());
        long[] target = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long a = i - (rank - x.dim()) >= 0 ? x.shape[i - (rank - x.dim())] : 1;
            long b = i - (rank - shape.Length) >= 0 ? shape[i - (rank - shape.Length)] : 1;
            target[i] = a == 1 ? b : a;
        }

        return [x.expand(target).contiguous()];
    };

    public static OnnxKernel ConstantOfShape(OnnxNode node)
    {
        var valueProto = node.TensorAttribute("value");
        Tensor value = valueProto is null ? tensor(0f) : OnnxTensors.ToTorch(valueProto).DetachFromDisposeScope();
        return (inputs, _) =>
        {
            long[] shape = TensorValues.Longs(inputs[0]!);
            return [value.reshape([]).expand(shape).contiguous()];
        };
    }

    /// <summary>Range: ceil((limit − start) / delta) elements, of the inputs' type.</summary>
    public static OnnxKernel Range(OnnxNode node) => (inputs, _) =>
    {
        Tensor start = inputs[0]!;
        double s = Scalars.ToDouble(start);
        double limit = Scalars.ToDouble(inputs[1]!);
        double delta = Scalars.ToDouble(inputs[2]!);
        long count = Math.Max((long)Math.Ceiling((limit - s) / delta), 0);
        return [(arange(count, dtype: ScalarType.Float64) * delta + s).to_type(start.dtype)];
    };

    public static OnnxKernel Tile(OnnxNode node) => (inputs, _) => [inputs[0]!.repeat(TensorValues.Longs(inputs[1]!))];

    /// <summary>Slice: starts/ends/axes as attributes before opset 10, as inputs (with steps) after; bounds clamped as the spec says.</summary>
    public static OnnxKernel Slice(OnnxNode node)
    {
        long[]? attrStarts = node.Ints("starts");
        long[]? attrEnds = node.Ints("ends");
        long[]? attrAxes = node.Ints("axes");
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            bool fromInputs = node.Opset >= 10;
            long[] starts = fromInputs ? TensorValues.Longs(inputs[1]!) : attrStarts ?? throw node.Error("starts is required");
            long[] ends = fromInputs ? TensorValues.Longs(inputs[2]!) : attrEnds ?? throw node.Error("ends is required");
            long[] axes = (fromInputs ? TensorValues.Optional(inputs, 3) is { } a ? TensorValues.Longs(a) : null : attrAxes)
                ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            long[] steps = fromInputs && TensorValues.Optional(inputs, 4) is { } st ? TensorValues.Longs(st) : Enumerable.Repeat(1L, starts.Length).ToArray();
            Tensor y = x.alias();
            for (int i = 0; i < axes.Length; i++)
            {
                y = SliceAxis(y, TensorValues.Axis(axes[i], x.dim()), starts[i], ends[i], steps[i]);
            }

            return [y];
        };
    }

    private static Tensor SliceAxis(Tensor x, long axis, long start, long end, long step)
    {
        long dim = x.shape[axis];
        start = start < 0 ? start + dim : start;
        end = end < 0 ? end + dim : end;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return x.slice(axis, start, Math.Max(start, end), step);
        }

        // Negative steps walk backwards from start (clamped to dim − 1) to end (clamped to −1), exclusive.
        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        long count = Math.Max(0, (start - end + (-step) - 1) / -step);
        using Tensor index = arange(start, start + (step * count), step, dtype: ScalarType.Int64);
        return count == 0 ? x.slice(axis, 0, 0, 1) : x.index_select(axis, index);
    }
}
