using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>
/// Resize (opset 10+) and Upsample (7–9), nearest, (bi)linear and cubic, computed axis by axis from the spec's
/// coordinate transformation (half_pixel, pytorch_half_pixel, align_corners, asymmetric,
/// tf_half_pixel_for_nn) and nearest rounding modes, so every exporter's combination gives ONNX's values.
/// tf_crop_and_resize is refused at load time.
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
        if (mode is not ("nearest" or "linear" or "bilinear" or "cubic"))
        {
            throw node.Error($"mode '{mode}' is not supported; supported: nearest, linear, cubic");
        }

        double a = node.Float("cubic_coeff_a", -0.75f);
        bool excludeOutside = node.Int("exclude_outside", 0) != 0;

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
                    y = mode switch
                    {
                        "nearest" => Nearest(y, axis, source, rounding, input),
                        "cubic" => Cubic(y, axis, source, input, a, excludeOutside),
                        _ => Linear(y, axis, source, input),
                    };
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

    // Cubic convolution over the four neighbours of each source coordinate (Keys, coefficient a), edge
    // values repeated beyond the input; exclude_outside drops those taps and renormalizes the rest.
    private static Tensor Cubic(Tensor x, int axis, double[] source, long input, double a, bool excludeOutside)
    {
        long[] shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[axis] = source.Length;
        Tensor? sum = null;
        for (int tap = -1; tap <= 2; tap++)
        {
            long[] index = source.Select(s => Math.Clamp((long)Math.Floor(s) + tap, 0, input - 1)).ToArray();
            float[] weight = source.Select(s => (float)CubicWeight(s, tap, input, a, excludeOutside)).ToArray();
            using Tensor positions = tensor(index, ScalarType.Int64);
            using Tensor w = tensor(weight).reshape(shape).to_type(x.dtype);
            Tensor term = x.index_select(axis, positions) * w;
            sum = sum is null ? term : sum + term;
        }

        return sum!;
    }

    private static double CubicWeight(double s, int tap, long input, double a, bool excludeOutside)
    {
        double floor = Math.Floor(s);
        double ratio = s - floor;
        double[] weights = [Keys(ratio + 1, a), Keys(ratio, a), Keys(1 - ratio, a), Keys(2 - ratio, a)];
        if (excludeOutside)
        {
            for (int t = 0; t < 4; t++)
            {
                long position = (long)floor + t - 1;
                weights[t] = position < 0 || position >= input ? 0 : weights[t];
            }

            double total = weights.Sum();
            weights = weights.Select(w => w / total).ToArray();
        }

        return weights[tap + 1];
    }

    private static double Keys(double d, double a)
    {
        d = Math.Abs(d);
        return d <= 1 ? ((((a + 2) * d) - (a + 3)) * d * d) + 1
            : d < 2 ? ((((a * d) - (5 * a)) * d) + (8 * a)) * d - (4 * a)
            : 0;
    }
}
