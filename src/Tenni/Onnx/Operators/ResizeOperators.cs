using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>
/// Resize (opset 10+) and Upsample (7–9), nearest and (bi)linear, computed axis by axis from the spec's
/// coordinate transformation (half_pixel, pytorch_half_pixel, align_corners, asymmetric,
/// tf_half_pixel_for_nn) and nearest rounding modes, so every exporter's combination gives ONNX's values.
/// Cubic and tf_crop_and_resize are refused at load time.
/// </summary>
internal static class ResizeOperators
{
    public static OnnxKernel Resize(OnnxNode node)
    {
        // Opset 10's Resize is Upsample with scales as an input: asymmetric coordinates, floor rounding.
        bool opset10 = node.Opset < 11;
        var plan = Plan(node, opset10 ? "asymmetric" : node.String("coordinate_transformation_mode", "half_pixel"), opset10 ? "floor" : node.String("nearest_mode", "round_prefer_floor"));
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            Tensor? scales = opset10 ? inputs[1] : TensorValues.Optional(inputs, 2);
            Tensor? sizes = opset10 ? null : TensorValues.Optional(inputs, 3);
            return [plan(x, scales is { } s && s.numel() > 0 ? s.to_type(ScalarType.Float32).data<float>().ToArray() : null, sizes is { } z && z.numel() > 0 ? TensorValues.Longs(z) : null)];
        };
    }

    public static OnnxKernel Upsample(OnnxNode node)
    {
        float[]? attributeScales = node.Floats("scales");
        var plan = Plan(node, "asymmetric", "floor");
        return (inputs, _) =>
        {
            float[] scales = node.Opset >= 9 ? inputs[1]!.to_type(ScalarType.Float32).data<float>().ToArray() : attributeScales ?? throw node.Error("scales is required");
            return [plan(inputs[0]!, scales, null)];
        };
    }

    private static Func<Tensor, float[]?, long[]?, Tensor> Plan(OnnxNode node, string transform, string rounding)
    {
        string mode = node.String("mode", "nearest");
        if (mode is not ("nearest" or "linear" or "bilinear"))
        {
            throw node.Error($"mode '{mode}' is not supported; supported: nearest, linear");
        }

        if (transform is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn"))
        {
            throw node.Error($"coordinate_transformation_mode '{transform}' is not supported; supported: half_pixel, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn");
        }

        return (x, scales, sizes) =>
        {
            Tensor y = x.alias();
            for (int axis = 0; axis < x.dim(); axis++)
            {
                long input = x.shape[axis];
                long output = sizes is not null ? sizes[axis] : (long)Math.Floor(input * (double)scales![axis]);
                double scale = sizes is not null ? (double)output / input : scales![axis];
                if (output != input || Math.Abs(scale - 1) > 1e-12)
                {
                    double[] source = Enumerable.Range(0, (int)output).Select(o => Source(transform, o, scale, input, output)).ToArray();
                    y = mode == "nearest" ? Nearest(y, axis, source, rounding, input) : Linear(y, axis, source, input);
                }
            }

            return y;
        };
    }

    private static double Source(string transform, long o, double scale, long input, long output) => transform switch
    {
        "half_pixel" => ((o + 0.5) / scale) - 0.5,
        "pytorch_half_pixel" => output > 1 ? ((o + 0.5) / scale) - 0.5 : 0,
        // The spec divides by the unrounded resized length (input × scale), not the output size.
        "align_corners" => output == 1 && Math.Abs((input * scale) - 1) < 1e-12 ? 0 : o * (input - 1) / ((input * scale) - 1),
        "tf_half_pixel_for_nn" => (o + 0.5) / scale,
        _ => o / scale,
    };

    private static Tensor Nearest(Tensor x, int axis, double[] source, string rounding, long input)
    {
        long[] index = source.Select(s => Math.Clamp(Round(s, rounding), 0, input - 1)).ToArray();
        using Tensor positions = tensor(index, ScalarType.Int64);
        return x.index_select(axis, positions);
    }

    private static long Round(double s, string rounding) => rounding switch
    {
        "floor" => (long)Math.Floor(s),
        "ceil" => (long)Math.Ceiling(s),
        "round_prefer_ceil" => (long)Math.Floor(s + 0.5),
        _ => s == Math.Floor(s) + 0.5 ? (long)Math.Floor(s) : (long)Math.Round(s, MidpointRounding.AwayFromZero),
    };

    // Linear along one axis, coordinates clamped to the edge (what the spec's reference does).
    private static Tensor Linear(Tensor x, int axis, double[] source, long input)
    {
        double[] clamped = source.Select(s => Math.Clamp(s, 0, input - 1)).ToArray();
        long[] low = clamped.Select(s => (long)Math.Floor(s)).ToArray();
        long[] high = low.Select(l => Math.Min(l + 1, input - 1)).ToArray();
        float[] weight = clamped.Select((s, i) => (float)(s - low[i])).ToArray();
        long[] shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[axis] = source.Length;
        using Tensor lo = tensor(low, ScalarType.Int64);
        using Tensor hi = tensor(high, ScalarType.Int64);
        using Tensor w = tensor(weight).reshape(shape).to_type(x.dtype);
        return (x.index_select(axis, lo) * (1 - w)) + (x.index_select(axis, hi) * w);
    }
}
