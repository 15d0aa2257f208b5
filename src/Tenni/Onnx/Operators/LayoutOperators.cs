using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>DepthToSpace (DCR and CRD), SpaceToDepth, Trilu and EyeLike: rearrangements and masks.</summary>
internal static class LayoutOperators
{
    public static OnnxKernel DepthToSpace(OnnxNode node)
    {
        long block = node.Int("blocksize", 0) is > 0 and var b ? b : throw node.Error("blocksize is required");
        bool crd = node.String("mode", "DCR") == "CRD";
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], depth = c / (block * block);
            Tensor y = crd
                ? x.reshape(n, depth, block, block, h, w).permute(0, 1, 4, 2, 5, 3)
                : x.reshape(n, block, block, depth, h, w).permute(0, 3, 4, 1, 5, 2);
            return [y.reshape(n, depth, h * block, w * block)];
        };
    }

    public static OnnxKernel SpaceToDepth(OnnxNode node)
    {
        long block = node.Int("blocksize", 0) is > 0 and var b ? b : throw node.Error("blocksize is required");
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
            Tensor y = x.reshape(n, c, h / block, block, w / block, block).permute(0, 3, 5, 1, 2, 4);
            return [y.reshape(n, c * block * block, h / block, w / block)];
        };
    }

    /// <summary>Trilu: the upper (default) or lower triangle of the last two axes, shifted by the optional k.</summary>
    public static OnnxKernel Trilu(OnnxNode node)
    {
        bool upper = node.Int("upper", 1) != 0;
        return (inputs, _) =>
        {
            long k = TensorValues.Optional(inputs, 1) is { } shift ? (long)Scalars.ToDouble(shift) : 0;
            return [upper ? inputs[0]!.triu(k) : inputs[0]!.tril(k)];
        };
    }

    /// <summary>EyeLike: ones on the k-th diagonal of a 2-D shape, of <c>dtype</c> or the input's type.</summary>
    public static OnnxKernel EyeLike(OnnxNode node)
    {
        long k = node.Int("k", 0);
        ScalarType? type = node.Has("dtype") ? TensorValues.TypeOf(node, node.Int("dtype", 1)) : null;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            Tensor diagonal = ones(x.shape[0], x.shape[1], dtype: ScalarType.Float64).triu(k).tril(k);
            return [diagonal.to_type(type ?? x.dtype)];
        };
    }
}
