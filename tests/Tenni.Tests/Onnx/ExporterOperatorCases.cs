using Tenni.Onnx.Operators;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;

namespace Tenni.Tests.Onnx;

/// <summary>
/// Cases for the operators of mobile and efficient classifiers (issue 15), built as PyTorch's exporter
/// writes them: squeeze-and-excitation, flatten/view as Shape chains, channel shuffle, ConvNeXt's
/// LayerNormalization. Non-float outputs are cast to float at the end so the reference compares them.
/// </summary>
internal static class ExporterOperatorCases
{
    private static readonly long[] Image = [2, 4, 9, 9];

    public static IEnumerable<OperatorCase> All() =>
        Activations().Concat(Reductions()).Concat(ShapeChains()).Concat(Resizes()).Concat(Logic()).Concat(Unary()).Concat(Rearrangements());

    private static IEnumerable<OperatorCase> Activations()
    {
        yield return Single("HardSigmoid_Defaults", 13, "HardSigmoid");
        yield return Single("HardSigmoid_MobileNetV3", 13, "HardSigmoid", Float("alpha", 1f / 6), Float("beta", 0.5f));
        yield return Scaled("HardSwish", 14, "HardSwish");
        yield return Single("Elu_Alpha0.7", 13, "Elu", Float("alpha", 0.7f));
        yield return Single("Celu", 13, "Celu", Float("alpha", 1.5f));
        yield return Single("Selu", 13, "Selu");
        yield return Single("Softplus", 13, "Softplus");
        yield return Single("Softsign", 13, "Softsign");
        yield return Single("ThresholdedRelu", 13, "ThresholdedRelu", Float("alpha", 0.3f));
        yield return With("PRelu_PerChannel", 13, b => b.Initializer("s", OperatorCases.Random(4, 21), 4, 1, 1).Node("PRelu", ["x", "s"], ["y"]));
        yield return With("Pow_SquareAndSqrt", 13, b => b.Initializer("e", [2f]).Node("Pow", ["x", "e"], ["y"]));
        yield return With("SiLU_SqueezeExcitation", 13, b => b
            .Node("GlobalAveragePool", ["x"], ["p"]).Node("Sigmoid", ["p"], ["g"]).Node("Mul", ["x", "g"], ["y"]));
        yield return With("LayerNormalization_ChannelsLast_ConvNeXt", 17, b => b
            .Initializer("perm_s", OperatorCases.Random(4, 22), 4).Initializer("perm_b", OperatorCases.Random(4, 23), 4)
            .Node("Transpose", ["x"], ["t"], null, Ints("perm", 0, 2, 3, 1))
            .Node("LayerNormalization", ["t", "perm_s", "perm_b"], ["y"], null, Float("epsilon", 1e-6f)));
        yield return With("Erf_Gelu", 13, b => b.Initializer("r", [0.70710677f]).Initializer("one", [1f]).Initializer("half", [0.5f])
            .Node("Mul", ["x", "r"], ["a"]).Node("Erf", ["a"], ["e"]).Node("Add", ["e", "one"], ["f"]).Node("Mul", ["x", "f"], ["g"]).Node("Mul", ["g", "half"], ["y"]));
    }

    private static IEnumerable<OperatorCase> Reductions()
    {
        yield return With("ReduceMean_Opset13_SpatialKeepdims", 13, b => b.Node("ReduceMean", ["x"], ["y"], null, Ints("axes", 2, 3)));
        yield return With("ReduceMean_Opset13_SpatialNoKeepdims_ShuffleNetPool", 13, b => b.Node("ReduceMean", ["x"], ["y"], null, Ints("axes", 2, 3), Int("keepdims", 0)));
        yield return With("ReduceMean_Opset18_AxesInput", 18, b => b.Initializer("a", [-1L], 1).Node("ReduceMean", ["x", "a"], ["y"], null, Int("keepdims", 0)));
        yield return With("ReduceSum_Opset13_AxesInput", 13, b => b.Initializer("a", [1L], 1).Node("ReduceSum", ["x", "a"], ["y"]));
        yield return With("ReduceSum_Opset13_NoAxesAll", 13, b => b.Node("ReduceSum", ["x"], ["y"], null, Int("keepdims", 0)));
        foreach (string op in new[] { "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSumExp" })
        {
            yield return With($"{op}_Axis1", 13, b => b.Node(op, ["x"], ["y"], null, Ints("axes", 1)));
        }

        yield return With("ReduceLogSum_Positive", 13, b => b.Node("Abs", ["x"], ["a"]).Node("ReduceLogSum", ["a"], ["y"], null, Ints("axes", 3)));
        yield return WithCast("ArgMax_Axis1", 13, b => b.Node("ArgMax", ["x"], ["i"], null, Int("axis", 1)));
        yield return WithCast("ArgMin_NoKeepdims_Last", 13, b => b.Node("ArgMin", ["x"], ["i"], null, Int("axis", 2), Int("keepdims", 0), Int("select_last_index", 1)));
    }

    private static IEnumerable<OperatorCase> ShapeChains()
    {
        // torch.flatten(x, 1) as torch 1.x writes it for view(x.size(0), -1).
        yield return With("Shape_Gather_Unsqueeze_Concat_Reshape_Flatten", 13, b => b
            .Initializer("zero", [0L]).Initializer("minus1", [-1L], 1).Initializer("axes", [0L], 1)
            .Node("Shape", ["x"], ["s"]).Node("Gather", ["s", "zero"], ["n"], null, Int("axis", 0))
            .Node("Unsqueeze", ["n", "axes"], ["n1"]).Node("Concat", ["n1", "minus1"], ["shape"], null, Int("axis", 0))
            .Node("Reshape", ["x", "shape"], ["y"]));
        // ShuffleNetV2's channel shuffle: view(n, groups, c/groups, h, w), transpose, view back, with Div on int64.
        yield return With("ChannelShuffle_ShapeDivReshapeTranspose", 13, b => b
            .Initializer("i0", [0L]).Initializer("i1", [1L]).Initializer("i2", [2L]).Initializer("i3", [3L]).Initializer("two", [2L]).Initializer("axes", [0L], 1)
            .Node("Shape", ["x"], ["s"])
            .Node("Gather", ["s", "i0"], ["n"]).Node("Gather", ["s", "i1"], ["c"]).Node("Gather", ["s", "i2"], ["h"]).Node("Gather", ["s", "i3"], ["w"])
            .Node("Div", ["c", "two"], ["cg"])
            .Node("Unsqueeze", ["n", "axes"], ["n1"]).Node("Unsqueeze", ["cg", "axes"], ["cg1"]).Node("Unsqueeze", ["h", "axes"], ["h1"]).Node("Unsqueeze", ["w", "axes"], ["w1"])
            .Node("Unsqueeze", ["c", "axes"], ["c1"])
            .Initializer("two1", [2L], 1)
            .Node("Concat", ["n1", "two1", "cg1", "h1", "w1"], ["s5"], null, Int("axis", 0))
            .Node("Reshape", ["x", "s5"], ["r"]).Node("Transpose", ["r"], ["t"], null, Ints("perm", 0, 2, 1, 3, 4))
            .Node("Concat", ["n1", "c1", "h1", "w1"], ["s4"], null, Int("axis", 0)).Node("Reshape", ["t", "s4"], ["y"]));
        yield return With("Slice_Opset13_ChannelHalves_Steps", 13, b => b
            .Initializer("st", [2L, 8L], 2).Initializer("en", [4L, -10L], 2).Initializer("ax", [1L, 3L], 2).Initializer("sp", [1L, -2L], 2)
            .Node("Slice", ["x", "st", "en", "ax", "sp"], ["y"]));
        yield return With("Slice_Opset9_Attributes", 9, b => b.Node("Slice", ["x"], ["y"], null, Ints("starts", 1, 2), Ints("ends", 1000, -1), Ints("axes", 2, 3)));
        yield return With("Cast_RoundTripInt32", 13, b => b.Node("Cast", ["x"], ["i"], null, Int("to", 6)).Node("Cast", ["i"], ["y"], null, Int("to", 1)));
        yield return With("Expand_Broadcast", 13, b => b.Initializer("sh", [3L, 1L, 1L, 1L, 1L], 5).Node("Expand", ["x", "sh"], ["y"]));
        yield return With("Tile_Twice", 13, b => b.Initializer("r", [1L, 2L, 1L, 3L], 4).Node("Tile", ["x", "r"], ["y"]));
        yield return With("ConstantOfShape_FromShape_Added", 13, b => b
            .Node("Shape", ["x"], ["s"]).Node("ConstantOfShape", ["s"], ["k"], null, TensorAttribute("value", 1.5f)).Node("Add", ["x", "k"], ["y"]));
        yield return With("Range_Added", 13, b => b
            .Initializer("a", [0f]).Initializer("l", [9f]).Initializer("d", [1f]).Node("Range", ["a", "l", "d"], ["r"]).Node("Add", ["x", "r"], ["y"]));
        yield return WithCast("Size", 13, b => b.Node("Size", ["x"], ["i"]));
        yield return WithCast("Shape_StartEnd_Opset15", 15, b => b.Node("Shape", ["x"], ["i"], null, Int("start", 1), Int("end", -1)));
    }

    private static IEnumerable<OperatorCase> Resizes()
    {
        yield return With("Resize_Nearest_Asymmetric_Floor_Scales2", 13, b => b
            .Initializer("sc", [1f, 1f, 2f, 2f], 4).Node("Resize", ["x", "", "sc"], ["y"], null, String("coordinate_transformation_mode", "asymmetric"), String("nearest_mode", "floor")));
        yield return With("Resize_Nearest_HalfPixel_RoundPreferFloor_Sizes", 13, b => b
            .Initializer("sz", [2L, 4L, 5L, 13L], 4).Node("Resize", ["x", "", "", "sz"], ["y"]));
        yield return With("Resize_Linear_PytorchHalfPixel_Down", 13, b => b
            .Initializer("sc", [1f, 1f, 0.5f, 0.5f], 4).Node("Resize", ["x", "", "sc"], ["y"], null, String("mode", "linear"), String("coordinate_transformation_mode", "pytorch_half_pixel")));
        yield return With("Resize_Linear_AlignCorners_Up", 13, b => b
            .Initializer("sz", [2L, 4L, 14L, 17L], 4).Node("Resize", ["x", "", "", "sz"], ["y"], null, String("mode", "linear"), String("coordinate_transformation_mode", "align_corners")));
        yield return With("Resize_Linear_HalfPixel_Up", 13, b => b
            .Initializer("sc", [1f, 1f, 1.5f, 2f], 4).Node("Resize", ["x", "", "sc"], ["y"], null, String("mode", "linear")));
        yield return With("Resize_Cubic_HalfPixel_Up", 13, b => b
            .Initializer("sc", [1f, 1f, 1.5f, 2f], 4).Node("Resize", ["x", "", "sc"], ["y"], null, String("mode", "cubic")));
        yield return With("Resize_Cubic_ExcludeOutside_Down", 13, b => b
            .Initializer("sz", [2L, 4L, 5L, 6L], 4).Node("Resize", ["x", "", "", "sz"], ["y"], null, String("mode", "cubic"), Float("cubic_coeff_a", -0.5f), Int("exclude_outside", 1)));
        yield return With("Resize_Opset10_NearestScales", 10, b => b
            .Initializer("sc", [1f, 1f, 2f, 3f], 4).Node("Resize", ["x", "sc"], ["y"]));
        yield return With("Upsample_Opset9_Nearest", 9, b => b.Initializer("sc", [1f, 1f, 2f, 2f], 4).Node("Upsample", ["x", "sc"], ["y"]));
        yield return With("Upsample_Opset9_Linear", 9, b => b.Initializer("sc", [1f, 1f, 2f, 2f], 4).Node("Upsample", ["x", "sc"], ["y"], null, String("mode", "linear")));
    }

    private static IEnumerable<OperatorCase> Logic()
    {
        foreach (string op in new[] { "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual" })
        {
            yield return WithCast($"{op}_RoundedVersusZero", 13, b => b.Initializer("z", [0f]).Node("Round", ["x"], ["r"]).Node(op, ["r", "z"], ["i"]));
        }

        foreach (string op in new[] { "And", "Or", "Xor" })
        {
            yield return WithCast($"{op}_Signs", 13, b => b.Initializer("z", [0f]).Initializer("h", [0.5f])
                .Node("Greater", ["x", "z"], ["p"]).Node("Less", ["x", "h"], ["q"]).Node(op, ["p", "q"], ["i"]));
        }

        yield return WithCast("Not_IsNaN_IsInf", 13, b => b.Initializer("z", [0f])
            .Node("Div", ["x", "z"], ["d"]).Node("IsInf", ["d"], ["f"], null, Int("detect_negative", 0)).Node("IsNaN", ["d"], ["n"]).Node("Or", ["f", "n"], ["o"]).Node("Not", ["o"], ["i"]));
        yield return With("Where_Equal_StaticMask", 13, b => b.Initializer("z", [0f]).Initializer("k", [7f])
            .Node("Greater", ["x", "z"], ["m"]).Node("Where", ["m", "x", "k"], ["y"]));
        yield return With("Min_Max_Mean_Variadic", 13, b => b.Initializer("c", OperatorCases.Random(9, 24), 9)
            .Node("Relu", ["x"], ["r"]).Node("Min", ["x", "c"], ["a"]).Node("Max", ["r", "c", "x"], ["m"]).Node("Mean", ["a", "m", "x"], ["y"]));
    }

    // Domains: positive inputs for Sqrt/Log/Reciprocal, ≥ 1 for Acosh, (−1, 1) for the others.
    private static IEnumerable<OperatorCase> Unary()
    {
        foreach (string op in UnaryOperators.Functions.Keys.Where(o => o is not ("Not" or "IsNaN")))
        {
            string domain = op switch
            {
                "Sqrt" or "Log" or "Reciprocal" or "Acosh" => "Abs+1",
                "Atanh" or "Asin" or "Acos" => "Half",
                _ => "",
            };
            yield return With($"{op}{(domain.Length > 0 ? "_" + domain : "")}", 13, b => domain switch
            {
                "Abs+1" => b.Initializer("one", [1f]).Node("Abs", ["x"], ["a"]).Node("Add", ["a", "one"], ["p"]).Node(op, ["p"], ["y"]),
                "Half" => b.Initializer("half", [0.5f]).Node("Mul", ["x", "half"], ["p"]).Node(op, ["p"], ["y"]),
                _ => b.Node(op, ["x"], ["y"]),
            });
        }
    }

    // GroupNorm as PyTorch exports it, Gelu (opset 20), index and layout operators.
    private static IEnumerable<OperatorCase> Rearrangements()
    {
        yield return new("MaxPool_1D_Pads", [2, 4, 11], new OnnxGraphBuilder(13, "x", 2, 4, 11)
            .Node("MaxPool", ["x"], ["y"], null, Ints("kernel_shape", 3), Ints("strides", 2), Ints("pads", 1, 1)).Output("y").Bytes());
        yield return new("AveragePool_1D_AsymmetricPads_ExcludePad", [2, 4, 11], new OnnxGraphBuilder(13, "x", 2, 4, 11)
            .Node("AveragePool", ["x"], ["y"], null, Ints("kernel_shape", 3), Ints("strides", 2), Ints("pads", 0, 2)).Output("y").Bytes());
        yield return new("AveragePool_3D_CeilMode", [2, 2, 5, 6, 7], new OnnxGraphBuilder(13, "x", 2, 2, 5, 6, 7)
            .Node("AveragePool", ["x"], ["y"], null, Ints("kernel_shape", 2, 3, 2), Ints("strides", 2, 2, 2), Int("ceil_mode", 1)).Output("y").Bytes());
        yield return new("MaxPool_3D_Pads", [2, 2, 5, 6, 7], new OnnxGraphBuilder(13, "x", 2, 2, 5, 6, 7)
            .Node("MaxPool", ["x"], ["y"], null, Ints("kernel_shape", 3, 3, 3), Ints("pads", 1, 1, 1, 1, 1, 1)).Output("y").Bytes());
        yield return With("Gelu_Exact_Opset20", 20, b => b.Node("Gelu", ["x"], ["y"]));
        yield return With("Gelu_Tanh_Opset20", 20, b => b.Node("Gelu", ["x"], ["y"], null, String("approximate", "tanh")));
        yield return With("InstanceNormalization_GroupNorm2", 13, b => b
            .Initializer("g", [2L, 2L, -1L], 3).Initializer("one", [1f, 1f], 2).Initializer("zero", [0f, 0f], 2)
            .Initializer("gamma", OperatorCases.Random(4, 31), 4, 1, 1).Initializer("beta", OperatorCases.Random(4, 32), 4, 1, 1)
            .Node("Reshape", ["x", "g"], ["r"]).Node("InstanceNormalization", ["r", "one", "zero"], ["n"], null, Float("epsilon", 1e-5f))
            .Node("Shape", ["x"], ["s"]).Node("Reshape", ["n", "s"], ["b"]).Node("Mul", ["b", "gamma"], ["m"]).Node("Add", ["m", "beta"], ["y"]));
        var random = new Random(33);
        long[] picks = Enumerable.Range(0, 2 * 4 * 9 * 3).Select(_ => (long)random.Next(-9, 9)).ToArray();
        yield return With("GatherElements_NegativeIndices", 13, b => b.Initializer("i", picks, 2, 4, 9, 3).Node("GatherElements", ["x", "i"], ["y"], null, Int("axis", 3)));
        yield return WithCast("OneHot_FromArgMax", 13, b => b.Initializer("d", [4L]).Initializer("v", [0.25f, 2f], 2)
            .Node("ArgMax", ["x"], ["a"], null, Int("axis", 1), Int("keepdims", 0)).Node("OneHot", ["a", "d", "v"], ["i"], null, Int("axis", 1)));
        yield return With("CumSum_ExclusiveReverse", 13, b => b.Initializer("a", [2L]).Node("CumSum", ["x", "a"], ["y"], null, Int("exclusive", 1), Int("reverse", 1)));
        yield return With("Hardmax_Axis1", 13, b => b.Node("Hardmax", ["x"], ["y"], null, Int("axis", 1)));
        yield return With("Mod_Fmod", 13, b => b.Initializer("d", [0.3f]).Node("Mod", ["x", "d"], ["y"], null, Int("fmod", 1)));
        yield return WithCast("CastLike_Int64", 15, b => b.Initializer("k", [4f]).Initializer("t", [0L])
            .Node("Mul", ["x", "k"], ["p"]).Node("CastLike", ["p", "t"], ["i"]));
        yield return With("DepthToSpace_DCR", 13, b => b.Node("DepthToSpace", ["x"], ["y"], null, Int("blocksize", 2)));
        yield return With("DepthToSpace_CRD", 13, b => b.Node("DepthToSpace", ["x"], ["y"], null, Int("blocksize", 2), String("mode", "CRD")));
        yield return With("SpaceToDepth_Block3", 13, b => b.Node("SpaceToDepth", ["x"], ["y"], null, Int("blocksize", 3)));
        yield return With("Trilu_UpperShifted", 14, b => b.Initializer("k", [1L]).Node("Trilu", ["x", "k"], ["y"]));
        yield return With("Trilu_Lower", 14, b => b.Node("Trilu", ["x"], ["y"], null, Int("upper", 0)));
        yield return With("EyeLike_Shifted_Added", 13, b => b.Initializer("s", [8L, 81L], 2)
            .Node("Reshape", ["x", "s"], ["m"]).Node("EyeLike", ["m"], ["e"], null, Int("k", 2)).Node("Add", ["m", "e"], ["y"]));
    }

    private static OperatorCase Single(string name, long opset, string op, params global::Onnx.AttributeProto[] attributes) =>
        With(name, opset, b => b.Node(op, ["x"], ["y"], null, attributes));

    // HardSwish's corners are at ±3: spread the input over ±4.
    private static OperatorCase Scaled(string name, long opset, string op) =>
        With(name, opset, b => b.Initializer("k", [4f]).Node("Mul", ["x", "k"], ["p"]).Node(op, ["p"], ["y"]));

    private static OperatorCase With(string name, long opset, Func<OnnxGraphBuilder, OnnxGraphBuilder> build) =>
        new(name, Image, build(new OnnxGraphBuilder(opset, "x", Image)).Output("y").Bytes());

    private static OperatorCase WithCast(string name, long opset, Func<OnnxGraphBuilder, OnnxGraphBuilder> build) =>
        With(name, opset, b => build(b).Node("Cast", ["i"], ["y"], null, Int("to", 1)));

    private static global::Onnx.AttributeProto TensorAttribute(string name, float value) => OnnxGraphBuilder.Tensor(name, [value], 1);
}
