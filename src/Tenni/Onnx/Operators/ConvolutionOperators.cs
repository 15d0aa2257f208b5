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
            CheckSizes(node, x.shape, w.shape, strides, dilations);
            var (begin, end) = SpatialPadding.Resolve(node, x.shape.AsSpan(2), kernel, strides, dilations);
            CheckElements(node, x.shape, w.shape[0], kernel, strides, dilations, begin, end);
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

    // libtorch divides by strides and multiplies by dilations without checks: out-of-range values crash
    // the process (SIGFPE) or overflow; refuse them with the node's name first.
    private static void CheckSizes(OnnxNode node, long[] input, long[] weight, long[] strides, long[] dilations)
    {
        foreach (var (name, values) in new[] { ("strides", strides), ("dilations", dilations) })
        {
            if (values.Any(v => v < 1 || v > OnnxLimits.MaxSpatialAttribute))
            {
                throw node.Error($"{name} [{string.Join(", ", values)}] must each be between 1 and {OnnxLimits.MaxSpatialAttribute}");
            }
        }

        if (weight.Skip(2).Any(k => k < 1 || k > OnnxLimits.MaxSpatialAttribute) || input.Length != weight.Length)
        {
            throw node.Error($"weight [{string.Join(", ", weight)}] does not fit input [{string.Join(", ", input)}]: expected kernel sizes of 1 to {OnnxLimits.MaxSpatialAttribute} and the input's rank");
        }
    }

    private static void CheckElements(OnnxNode node, long[] input, long outputs, long[] kernel, long[] strides, long[] dilations, long[] begin, long[] end)
    {
        if (begin.Concat(end).Any(p => p < 0 || p > OnnxLimits.MaxSpatialAttribute))
        {
            throw node.Error($"pads [{string.Join(", ", begin.Concat(end))}] must each be between 0 and {OnnxLimits.MaxSpatialAttribute}");
        }

        double padded = input[1], produced = outputs;
        for (int i = 0; i < kernel.Length; i++)
        {
            double size = input[i + 2] + begin[i] + end[i];
            padded *= size;
            produced *= Math.Max(0, Math.Floor((size - (dilations[i] * (kernel[i] - 1)) - 1) / strides[i]) + 1);
        }

        if (padded > OnnxLimits.MaxElementsPerImage || produced > OnnxLimits.MaxElementsPerImage)
        {
            throw node.Error($"on an input of [{string.Join(", ", input)}] with pads [{string.Join(", ", begin.Concat(end))}] one image would need {Math.Max(padded, produced):0} elements; at most {OnnxLimits.MaxElementsPerImage} are allowed");
        }
    }
}
