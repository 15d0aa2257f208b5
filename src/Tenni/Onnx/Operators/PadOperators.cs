using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Tenni.Onnx.Operators;

/// <summary>Pad (constant, reflect, edge, wrap), Constant.</summary>
internal static class PadOperators
{
    /// <summary>Pad: pads and value are attributes before opset 11, inputs from 11 on; axes from 18.</summary>
    public static OnnxKernel Pad(OnnxNode node)
    {
        string modeName = node.String("mode", "constant");
        PaddingModes mode = modeName switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            "wrap" => PaddingModes.Circular,
            _ => throw node.Error($"mode '{modeName}' is not one of constant, reflect, edge, wrap"),
        };
        long[]? attributePads = node.Ints(node.Opset < 2 ? "paddings" : "pads");
        float attributeValue = node.Float("value", 0f);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] pads = node.Opset >= 11 ? inputs[1]!.data<long>().ToArray() : attributePads ?? throw node.Error("pads is required");
            double value = node.Opset >= 11 && inputs.Length > 2 && inputs[2] is { } v ? Scalars.ToDouble(v) : attributeValue;
            long rank = x.dim();
            long[] axes = node.Opset >= 18 && inputs.Length > 3 && inputs[3] is { } a
                ? a.data<long>().ToArray().Select(i => i < 0 ? i + rank : i).ToArray()
                : Enumerable.Range(0, (int)rank).Select(i => (long)i).ToArray();
            if (pads.Length != 2 * axes.Length || axes.Any(a => a < 0 || a >= rank))
            {
                throw node.Error($"pads has {pads.Length} values for axes [{string.Join(", ", axes)}] of a rank-{rank} input; expected 2 × {axes.Length}");
            }

            var begin = new long[rank];
            var end = new long[rank];
            for (int i = 0; i < axes.Length; i++)
            {
                begin[axes[i]] = pads[i];
                end[axes[i]] = pads[axes.Length + i];
            }

            CheckOutputSize(node, x.shape, begin, end);

            // torch pads trailing axes only: drop the leading axes that are not padded.
            int first = Enumerable.Range(0, (int)rank).FirstOrDefault(i => begin[i] != 0 || end[i] != 0, (int)rank);
            if (first == rank)
            {
                return [x.alias()];
            }

            long[] torchPad = Operators.SpatialPadding.ToTorchPad(begin[first..], end[first..]);
            return [F.pad(x, torchPad, mode, value)];
        };
    }

    // Checked before padding: pads in a file can ask for an output of any size (the shape probe at load runs this).
    private static void CheckOutputSize(OnnxNode node, long[] input, long[] begin, long[] end)
    {
        double elements = 1;
        for (int i = 0; i < input.Length; i++)
        {
            double size = (double)input[i] + begin[i] + end[i];
            if (size < 0)
            {
                throw node.Error($"pads [{string.Join(", ", begin)}] / [{string.Join(", ", end)}] remove more than the input's [{string.Join(", ", input)}] holds");
            }

            elements *= size;
        }

        if (elements > OnnxLimits.MaxTensorElements)
        {
            throw node.Error(
                $"pads [{string.Join(", ", begin)}] / [{string.Join(", ", end)}] on an input of shape [{string.Join(", ", input)}] make {elements:0} elements; at most {OnnxLimits.MaxTensorElements} are allowed");
        }
    }

    public static OnnxKernel Constant(OnnxNode node)
    {
        Tensor value = ConstantValue(node).DetachFromDisposeScope();
        return (_, _) => [value.alias()];
    }

    private static Tensor ConstantValue(OnnxNode node)
    {
        if (node.TensorAttribute("value") is { } t)
        {
            return OnnxTensors.ToTorch(t);
        }

        if (node.Has("value_float"))
        {
            return tensor(node.Float("value_float", 0));
        }

        if (node.Floats("value_floats") is { } floats)
        {
            return tensor(floats);
        }

        if (node.Has("value_int"))
        {
            return tensor(node.Int("value_int", 0));
        }

        if (node.Ints("value_ints") is { } ints)
        {
            return tensor(ints);
        }

        throw node.Error("no supported value attribute; expected value, value_float(s) or value_int(s)");
    }
}
