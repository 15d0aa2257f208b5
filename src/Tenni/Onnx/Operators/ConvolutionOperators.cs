using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Tenni.Onnx.Operators;

/// <summary>Conv (spec: operators.md#Conv), 1-D to 3-D, grouped and dilated, any pads.</summary>
internal static class ConvolutionOperators
{
    public static OnnxKernel Conv(OnnxNode node)
    {
        long group = node.Int("group", 1);
        long[]? kernelAttribute = node.Ints("kernel_shape");
        int? declaredRank = kernelAttribute?.Length;
        if (declaredRank is not null and not (1 or 2 or 3))
        {
            throw node.Error($"{declaredRank}-D convolution is not supported; supported: 1-D, 2-D, 3-D");
        }

        if (declaredRank is int r)
        {
            SpatialPadding.Check(node, r);
        }

        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            Tensor w = inputs[1]!;
            int rank = (int)w.dim() - 2;
            long[] kernel = w.shape[2..];
            long[] strides = node.Ints("strides") ?? SpatialPadding.Ones(rank);
            long[] dilations = node.Ints("dilations") ?? SpatialPadding.Ones(rank);
            var (begin, end) = SpatialPadding.Resolve(node, x.shape.AsSpan(2), kernel, strides, dilations);
            long[] padding = begin;
            Tensor padded = x;
            if (!SpatialPadding.IsSymmetric(begin, end) && SpatialPadding.AsSymmetric(begin, end, x.shape.AsSpan(2), kernel, strides, dilations) is null)
            {
                padded = F.pad(x, SpatialPadding.ToTorchPad(begin, end));
                padding = new long[rank];
            }

            Tensor? bias = inputs.Length > 2 ? inputs[2] : null;
            Tensor y = (rank == 2 ? PointwiseConvolution.TryChannelsLast(padded, w, bias, strides, padding, group) : null) ?? rank switch
            {
                1 => F.conv2d(padded.unsqueeze(-2), w.unsqueeze(-2), bias, [1, strides[0]], [0, padding[0]], [1, dilations[0]], group).squeeze(-2),
                2 => F.conv2d(padded, w, bias, strides, padding, dilations, group),
                3 => F.conv3d(padded, w, bias, strides, padding, dilations, group),
                _ => throw node.Error($"weight of rank {w.dim()} is not supported; expected 3, 4 or 5"),
            };
            return [y];
        };
    }
}
