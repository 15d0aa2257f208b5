using Tenni.Onnx;
using Tenni.Onnx.Operators;

namespace Tenni.Models.Architectures;

/// <summary>
/// Shapes of graph tensors followed through the operators residual networks are made of (convolution,
/// pooling, BatchNorm, ReLU, sums), from the operators' attributes and the weights' shapes alone.
/// </summary>
/// <remarks>
/// Running the graph once on zeros gives the same shapes, but costs ≈ 0.9 s on the project's machine:
/// oneDNN compiles a kernel for every convolution's shapes at batch 1 in float32, kernels the bf16
/// batches never use, and that second is on the way from loading the model to its first batch.
/// </remarks>
internal static class StaticShapes
{
    /// <summary>The shapes of <paramref name="tensors"/> for <paramref name="input"/>; null when the way to one of them passes an operator not followed here.</summary>
    public static Dictionary<string, long[]>? Infer(OnnxGraph graph, long[] input, IReadOnlyCollection<string> tensors)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal) { [graph.InputName] = input };
        foreach (var (name, value) in graph.Initializers)
        {
            shapes.TryAdd(name, value.shape);
        }

        foreach (OnnxNode node in graph.Nodes)
        {
            if (tensors.All(shapes.ContainsKey))
            {
                break;
            }

            long[]?[] inputs = node.Proto.Input.Select(i => shapes.GetValueOrDefault(i)).ToArray();
            if (inputs.Length == 0 || inputs[0] is null || OutputShape(node, inputs) is not { } output)
            {
                return null;
            }

            shapes[node.Proto.Output[0]] = output;
        }

        return tensors.All(shapes.ContainsKey) ? tensors.ToDictionary(t => t, t => shapes[t], StringComparer.Ordinal) : null;
    }

    private static long[]? OutputShape(OnnxNode node, long[]?[] inputs)
    {
        long[] x = inputs[0]!;
        if (x.Length < 3)
        {
            return null; // not an image batch: the run says what is wrong
        }

        return node.OpType switch
        {
            "Relu" or "LeakyRelu" or "Clip" or "Identity" or "BatchNormalization" => x,
            "Add" or "Sum" or "Mul" => inputs.Any(i => i is null) ? null : inputs.Aggregate(Broadcast)!,
            "GlobalAveragePool" or "GlobalMaxPool" => [x[0], x[1], .. x.Skip(2).Select(_ => 1L)],
            "Conv" when inputs.Length > 1 && inputs[1] is { Length: >= 3 } w => Windowed(node, x, w[0], w[2..]),
            "MaxPool" or "AveragePool" when node.Ints("kernel_shape") is { } kernel && node.Int("ceil_mode", 0) == 0 => Windowed(node, x, x[1], kernel),
            _ => null,
        };
    }

    // Output size per spatial axis: floor((size + pads - dilated extent) / stride) + 1 (spec: Conv, MaxPool).
    private static long[]? Windowed(OnnxNode node, long[] x, long channels, long[] kernel)
    {
        int rank = x.Length - 2;
        if (kernel.Length != rank || (node.Ints("kernel_shape") is { } declared && !declared.SequenceEqual(kernel)))
        {
            return null;
        }

        long[] strides = node.Ints("strides") ?? Enumerable.Repeat(1L, rank).ToArray();
        long[] dilations = node.Ints("dilations") ?? Enumerable.Repeat(1L, rank).ToArray();
        if (strides.Length != rank || dilations.Length != rank || (node.Ints("pads") is { } pads && pads.Length != 2 * rank))
        {
            return null;
        }

        var (begin, end) = SpatialPadding.Resolve(node, x.AsSpan(2), kernel, strides, dilations);
        var output = new long[x.Length];
        (output[0], output[1]) = (x[0], channels);
        for (int i = 0; i < rank; i++)
        {
            long extent = ((kernel[i] - 1) * dilations[i]) + 1;
            long padded = x[i + 2] + begin[i] + end[i] - extent;
            if (padded < 0 || strides[i] < 1)
            {
                return null; // the run reports what is wrong
            }

            output[i + 2] = (padded / strides[i]) + 1;
        }

        return output;
    }

    private static long[]? Broadcast(long[]? a, long[]? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        int rank = Math.Max(a.Length, b.Length);
        var shape = new long[rank];
        for (int i = 1; i <= rank; i++)
        {
            long da = i <= a.Length ? a[^i] : 1;
            long db = i <= b.Length ? b[^i] : 1;
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }

            shape[^i] = da == 1 ? db : da;
        }

        return shape;
    }
}
