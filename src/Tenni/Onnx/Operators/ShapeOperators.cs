using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>Concat, Split, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Gather, Identity.</summary>
internal static class ShapeOperators
{
    public static OnnxKernel Identity(OnnxNode node) => (inputs, _) => [inputs[0]!.alias()];

    public static OnnxKernel Concat(OnnxNode node)
    {
        long axis = node.Has("axis") ? node.Int("axis", 1) : node.Opset < 4 ? 1 : throw node.Error("axis is required");
        return (inputs, _) => [cat(inputs.Where(t => t is not null).Select(t => t!).ToArray(), axis)];
    }

    /// <summary>Split sizes: attribute before opset 13, input from 13, else equal parts (num_outputs from 18, or the output count).</summary>
    public static OnnxKernel Split(OnnxNode node)
    {
        long axis = node.Int("axis", 0);
        int outputs = node.Proto.Output.Count;
        long[]? attributeSizes = node.Ints("split");
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long a = axis < 0 ? axis + x.dim() : axis;
            long[] sizes = node.Opset >= 13 && inputs.Length > 1 && inputs[1] is { } s
                ? s.data<long>().ToArray()
                : attributeSizes is { Length: > 0 } ? attributeSizes : EqualParts(x.shape[a], outputs);
            return x.split(sizes, a);
        };
    }

    public static OnnxKernel Flatten(OnnxNode node)
    {
        long axis = node.Int("axis", 1);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long a = axis < 0 ? axis + x.dim() : axis;
            long rows = x.shape[..(int)a].Aggregate(1L, (p, d) => p * d);
            return [x.reshape(rows, -1)];
        };
    }

    /// <summary>Reshape: 0 copies the input's dimension (unless allowzero), -1 is inferred; shape is an attribute before opset 5.</summary>
    public static OnnxKernel Reshape(OnnxNode node)
    {
        bool allowZero = node.Int("allowzero", 0) != 0;
        long[]? attributeShape = node.Ints("shape");
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] shape = node.Opset >= 5 ? inputs[1]!.data<long>().ToArray() : attributeShape ?? throw node.Error("shape is required");
            for (int i = 0; i < shape.Length && !allowZero; i++)
            {
                if (shape[i] == 0)
                {
                    shape[i] = x.shape[i];
                }
            }

            return [x.reshape(shape)];
        };
    }

    public static OnnxKernel Transpose(OnnxNode node)
    {
        long[]? perm = node.Ints("perm");
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] order = perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
            return [x.permute(order)];
        };
    }

    public static OnnxKernel Squeeze(OnnxNode node)
    {
        long[]? attributeAxes = node.Ints("axes");
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[]? axes = node.Opset >= 13 && inputs.Length > 1 && inputs[1] is { } a ? a.data<long>().ToArray() : attributeAxes;
            if (axes is null)
            {
                return [x.squeeze()];
            }

            Tensor y = x;
            foreach (long axis in axes.Select(v => v < 0 ? v + x.dim() : v).OrderDescending())
            {
                y = y.squeeze(axis);
            }

            return [y];
        };
    }

    public static OnnxKernel Unsqueeze(OnnxNode node)
    {
        long[]? attributeAxes = node.Ints("axes");
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] axes = node.Opset >= 13 ? inputs[1]!.data<long>().ToArray() : attributeAxes ?? throw node.Error("axes is required");
            long rank = x.dim() + axes.Length;
            Tensor y = x;
            foreach (long axis in axes.Select(v => v < 0 ? v + rank : v).Order())
            {
                y = y.unsqueeze(axis);
            }

            return [y];
        };
    }

    /// <summary>Gather (spec: operators.md#Gather): index along one axis; negative indices count from the end.</summary>
    public static OnnxKernel Gather(OnnxNode node)
    {
        long axis = node.Int("axis", 0);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            Tensor indices = inputs[1]!;
            long a = axis < 0 ? axis + x.dim() : axis;
            Tensor positive = indices.to_type(ScalarType.Int64);
            positive = positive.lt(0).any().item<bool>() ? positive.remainder(x.shape[a]) : positive;
            Tensor picked = x.index_select(a, positive.flatten());
            long[] shape = [.. x.shape[..(int)a], .. indices.shape, .. x.shape[((int)a + 1)..]];
            return [picked.reshape(shape)];
        };
    }

    private static long[] EqualParts(long length, int parts)
    {
        long size = (length + parts - 1) / parts;
        return Enumerable.Range(0, parts).Select(i => Math.Min(size, length - (i * size))).ToArray();
    }
}
