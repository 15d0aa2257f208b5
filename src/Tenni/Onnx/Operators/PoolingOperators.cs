using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Tenni.Onnx.Operators;

/// <summary>MaxPool, AveragePool (pads, ceil_mode, count_include_pad), GlobalAveragePool, GlobalMaxPool; 1-D, 2-D and 3-D.</summary>
internal static class PoolingOperators
{
    public static OnnxKernel MaxPool(OnnxNode node)
    {
        long[] kernel = Kernel(node);
        if (node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0)
        {
            throw node.Error("the Indices output of MaxPool is not supported; only the pooled values are");
        }

        bool ceil = node.Int("ceil_mode", 0) != 0;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] strides = node.Ints("strides") ?? SpatialPadding.Ones(kernel.Length);
            long[] dilations = node.Ints("dilations") ?? SpatialPadding.Ones(kernel.Length);
            var (begin, end) = SpatialPadding.Resolve(node, x.shape.AsSpan(2), kernel, strides, dilations);

            // torch pads symmetrically and at most half the kernel; otherwise pad explicitly with -inf,
            // which is what ONNX's "padding is ignored" means for a maximum.
            bool symmetric = SpatialPadding.IsSymmetric(begin, end) || (!ceil && SpatialPadding.AsSymmetric(begin, end, x.shape.AsSpan(2), kernel, strides, dilations) is not null);
            if (symmetric && WithinHalfKernel(begin, kernel))
            {
                return [MaxPoolNd(x, kernel, strides, begin, dilations, ceil)];
            }

            Tensor padded = F.pad(x, SpatialPadding.ToTorchPad(begin, end), value: double.NegativeInfinity);
            return [MaxPoolNd(padded, kernel, strides, new long[kernel.Length], dilations, ceil)];
        };
    }

    public static OnnxKernel AveragePool(OnnxNode node)
    {
        long[] kernel = Kernel(node);
        bool ceil = node.Int("ceil_mode", 0) != 0;
        bool countPad = node.Int("count_include_pad", 0) != 0;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] strides = node.Ints("strides") ?? SpatialPadding.Ones(kernel.Length);
            var (begin, end) = SpatialPadding.Resolve(node, x.shape.AsSpan(2), kernel, strides, SpatialPadding.Ones(kernel.Length));
            bool noPad = begin.All(p => p == 0) && end.All(p => p == 0);
            if (noPad || (SpatialPadding.IsSymmetric(begin, end) && WithinHalfKernel(begin, kernel)))
            {
                return [AvgPoolNd(x, kernel, strides, begin, ceil, countPad)];
            }

            long[] pad = SpatialPadding.ToTorchPad(begin, end);
            long[] none = new long[kernel.Length];
            Tensor sums = AvgPoolNd(F.pad(x, pad), kernel, strides, none, ceil, true);
            if (countPad)
            {
                return [sums];
            }

            // Average over the real pixels of each window only: divide by the share of the window
            // that lies inside the input (both pools divide by the kernel size, which cancels).
            using Tensor ones = ones_like(x.select(0, 0).select(0, 0)).unsqueeze(0).unsqueeze(0);
            Tensor share = AvgPoolNd(F.pad(ones, pad), kernel, strides, none, ceil, true);
            return [sums / share];
        };
    }

    public static OnnxKernel GlobalAveragePool(OnnxNode node) =>
        (inputs, _) => [inputs[0]!.mean(SpatialAxes(inputs[0]!), keepdim: true)];

    public static OnnxKernel GlobalMaxPool(OnnxNode node) =>
        (inputs, _) => [inputs[0]!.amax(SpatialAxes(inputs[0]!), keepdim: true)];

    private static long[] SpatialAxes(Tensor x) => Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray();

    private static long[] Kernel(OnnxNode node)
    {
        long[] kernel = node.Ints("kernel_shape") ?? throw node.Error("kernel_shape is required");
        if (kernel.Length is < 1 or > 3)
        {
            throw node.Error($"{kernel.Length}-D pooling is not supported; supported: 1-D, 2-D, 3-D");
        }

        SpatialPadding.Check(node, kernel.Length);
        return kernel;
    }

    private static bool WithinHalfKernel(long[] begin, long[] kernel) => begin.Zip(kernel).All(p => p.First * 2 <= p.Second);

    // 1-D pooling runs as 2-D over a unit height: the same windows, one kernel family fewer to trust.
    private static Tensor MaxPoolNd(Tensor x, long[] kernel, long[] strides, long[] pads, long[] dilations, bool ceil) => kernel.Length switch
    {
        1 => F.max_pool2d(x.unsqueeze(2), [1, kernel[0]], [1, strides[0]], [0, pads[0]], [1, dilations[0]], ceil).squeeze(2),
        2 => F.max_pool2d(x, kernel, strides, pads, dilations, ceil),
        _ => F.max_pool3d(x, kernel, strides, pads, dilations, ceil),
    };

    private static Tensor AvgPoolNd(Tensor x, long[] kernel, long[] strides, long[] pads, bool ceil, bool countPad) => kernel.Length switch
    {
        1 => F.avg_pool2d(x.unsqueeze(2), [1, kernel[0]], [1, strides[0]], [0, pads[0]], ceil, countPad).squeeze(2),
        2 => F.avg_pool2d(x, kernel, strides, pads, ceil, countPad),
        _ => F.avg_pool3d(x, kernel, strides, pads, ceil, countPad),
    };
}
