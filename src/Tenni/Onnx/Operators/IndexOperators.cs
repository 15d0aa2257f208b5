using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>GatherElements, OneHot, CumSum, Hardmax, Mod and CastLike, as the ONNX spec defines them.</summary>
internal static class IndexOperators
{
    /// <summary>GatherElements: torch's gather, negative indices counted from the end of the axis.</summary>
    public static OnnxKernel GatherElements(OnnxNode node)
    {
        long axis = node.Int("axis", 0);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            Tensor index = inputs[1]!.to_type(ScalarType.Int64);
            return [x.gather(a, where(index.lt(0), index + x.shape[a], index))];
        };
    }

    /// <summary>OneHot: values [off, on] at depth positions inserted at <c>axis</c>; negative indices count from depth, others out of range are all off.</summary>
    public static OnnxKernel OneHot(OnnxNode node)
    {
        long axis = node.Int("axis", -1);
        return (inputs, _) =>
        {
            Tensor indices = inputs[0]!.to_type(ScalarType.Int64);
            long depth = (long)Scalars.ToDouble(inputs[1]!);
            Tensor values = inputs[2]!;
            long a = TensorValues.Axis(axis, indices.dim() + 1);
            Tensor positive = where(indices.lt(0), indices + depth, indices).unsqueeze(a);
            long[] shape = Enumerable.Repeat(1L, (int)indices.dim() + 1).ToArray();
            shape[a] = depth;
            Tensor hot = positive.eq(arange(depth, dtype: ScalarType.Int64).reshape(shape));
            return [where(hot, values[1], values[0])];
        };
    }

    /// <summary>CumSum along the axis input; <c>exclusive</c> leaves out each element itself, <c>reverse</c> sums from the end.</summary>
    public static OnnxKernel CumSum(OnnxNode node)
    {
        bool exclusive = node.Int("exclusive", 0) != 0;
        bool reverse = node.Int("reverse", 0) != 0;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long a = TensorValues.Axis((long)Scalars.ToDouble(inputs[1]!), x.dim());
            Tensor sums = reverse ? x.flip(a).cumsum(a).flip(a) : x.cumsum(a);
            sums = sums.dtype == x.dtype ? sums : sums.to_type(x.dtype);
            return [exclusive ? sums - x : sums];
        };
    }

    /// <summary>Hardmax: 1 at the first maximum along <c>axis</c> (from opset 13), or over the flattened trailing part before.</summary>
    public static OnnxKernel Hardmax(OnnxNode node)
    {
        bool legacy = node.Opset < 13;
        long axis = node.Int("axis", legacy ? 1 : -1);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            Tensor flat = legacy ? x.reshape(x.shape[..(int)a].Aggregate(1L, (p, d) => p * d), -1) : x;
            long dim = legacy ? 1 : a;
            Tensor hot = zeros_like(flat).scatter(dim, flat.argmax(dim, keepdim: true), ones_like(flat));
            return [hot.reshape(x.shape)];
        };
    }

    /// <summary>Mod: fmod=1 keeps the dividend's sign (C's fmod), fmod=0 the divisor's (Python's %, integers only).</summary>
    public static OnnxKernel Mod(OnnxNode node)
    {
        bool fmod = node.Int("fmod", 0) != 0;
        return (inputs, _) => [fmod ? inputs[0]!.fmod(inputs[1]!) : inputs[0]!.remainder(inputs[1]!)];
    }

    public static OnnxKernel CastLike(OnnxNode node) => (inputs, _) => [inputs[0]!.to_type(inputs[1]!.dtype)];
}
