using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Tenni.Onnx.Operators;

/// <summary>MaxPool, AveragePool (pads, ceil_mode, count_include_pad), GlobalAveragePool, GlobalMaxPool; 2-D.</summary>
internal static class PoolingOperators
{
    public static OnnxKernel MaxPool(OnnxNode node)
    {
        long[] kernel = Kernel2D(node);
        if (node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0)
        {
            throw node.Error("the Indices output of MaxPool is not supported; only the pooled values are");
        }

        bool ceil = node.Int("ceil_mode", 0) != 0;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] strides = node.Ints("strides") ?? SpatialPadding.Ones(2);
            long[] dilations = node.Ints("dilations") ?? SpatialPadding.Ones(2);
            var (begin, end) = SpatialPadding.Resolve(node, x.shape.AsSpan(2), kernel, strides, dilations);

            // torch pads symmetrically and at most half the kernel; otherwise pad explicitly with -inf,
            // which is what ONNX's "padding is ignored" means for a maximum.
            bool symmetric = SpatialPadding.IsSymmetric(begin, end) || (!ceil && SpatialPadding.AsSymmetric(begin, end, x.shape.AsSpan(2), kernel, strides, dilations) is not null);
            if (symmetric && begin[0] * 2 <= kernel[0] && begin[1] * 2 <= kernel[1])
            {
                return [F.max_pool2d(x, kernel, strides, begin, dilations, ceil)];
            }

            Tensor padded = F.pad(x, SpatialPadding.ToTorchPad(begin, end), value: double.NegativeInfinity);
            return [F.max_pool2d(padded, kernel, strides, [0, 0], dilations, ceil)];
        };
    }

    public static OnnxKernel AveragePool(OnnxNode node)
    {
        long[] kernel = Kernel2D(node);
        bool ceil = node.Int("ceil_mode", 0) != 0;
        bool countPad = node.Int("count_include_pad", 0) != 0;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] strides = node.Ints("strides") ?? SpatialPadding.Ones(2);
            var (begin, end) = SpatialPadding.Resolve(node, x.shape.AsSpan(2), kernel, strides, SpatialPadding.Ones(2));
            bool noPad = begin.All(p => p == 0) && end.All(p => p == 0);
            if (noPad || (SpatialPadding.IsSymmetric(begin, end) && begin[0] * 2 <= kernel[0] && begin[1] * 2 <= kernel[1]))
            {
                return [F.avg_pool2d(x, kernel, strides, begin, ceil, countPad)];
            }

            long[] pad = SpatialPadding.ToTorchPad(begin, end);
            Tensor sums = F.avg_pool2d(F.pad(x, pad), kernel, strides, [0, 0], ceil, true);
            if (countPad)
            {
                return [sums];
            }

            // Average over the real pixels of each window only: divide by the share of the window
            // that lies inside the input (both pools divide by the kernel size, which cancels).
            using Tensor ones = ones_like(x.select(0, 0).select(0, 0)).unsqueeze(0).unsqueeze(0);
            Tensor share = F.avg_pool2d(F.pad(ones, pad), kernel, strides, [0, 0], ceil, true);
            return [sums / share];
        };
    }

    public static OnnxKernel GlobalAveragePool(OnnxNode node) =>
        (inputs, _) => [inputs[0]!.mean(SpatialAxes(inputs[0]!), keepdim: true)];

    public static OnnxKernel GlobalMaxPool(OnnxNode node) =>
        (inputs, _) => [inputs[0]!.amax(SpatialAxes(inputs[0]!), keepdim: true)];

    private static long[] SpatialAxes(Tensor x) => Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray();

    private static long[] Kernel2D(OnnxNode node)
    {
        long[] kernel = node.Ints("kernel_shape") ?? throw node.Error("kernel_shape is required");
        if (kernel.Length != 2)
        {
            throw node.Error($"{kernel.Length}-D pooling is not supported; supported: 2-D");
        }

        SpatialPadding.Check(node, 2);
        return kernel;
    }
}
