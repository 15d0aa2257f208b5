using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;

namespace Tenni.Tests.Onnx;

/// <summary>One small graph per operator variant: input shape, the graph, and the tensor to compare.</summary>
public sealed record OperatorCase(string Name, long[] InputShape, byte[] Model, string Output = "y")
{
    public override string ToString() => Name;
}

/// <summary>The operator table's test cases, built in code and run by both Tenni and ONNX Runtime.</summary>
internal static class OperatorCases
{
    private static readonly long[] Image = [2, 4, 9, 9];

    public static IEnumerable<OperatorCase> All()
    {
        // Convolution: plain, grouped, depthwise, dilated, strided with asymmetric pads, auto_pad, 1-D.
        yield return Conv("Conv_3x3_Pads1_Bias", [6, 4, 3, 3], Ints("pads", 1, 1, 1, 1));
        yield return Conv("Conv_Grouped2_Stride2", [6, 2, 3, 3], Int("group", 2), Ints("strides", 2, 2));
        yield return Conv("Conv_Depthwise_Dilated2", [4, 1, 3, 3], Int("group", 4), Ints("dilations", 2, 2), Ints("pads", 2, 2, 2, 2));
        yield return Conv("Conv_AsymmetricPads_Stride2", [6, 4, 3, 3], Ints("pads", 1, 1, 0, 0), Ints("strides", 2, 2));
        yield return new("Conv_AsymmetricPads_EvenInput_UnusedEndPad", [2, 4, 8, 8], new OnnxGraphBuilder(13, "x", 2, 4, 8, 8)
            .Initializer("w", Random(6 * 4 * 3 * 3, 1), 6, 4, 3, 3)
            .Node("Conv", ["x", "w"], ["y"], null, Ints("pads", 1, 1, 0, 0), Ints("strides", 2, 2)).Output("y").Bytes());
        yield return Conv("Conv_AutoPadSameUpper_Stride2", [6, 4, 4, 4], String("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2));
        yield return Conv("Conv_AutoPadSameLower", [6, 4, 4, 4], String("auto_pad", "SAME_LOWER"));
        yield return Conv("Conv_AutoPadValid", [6, 4, 3, 3], String("auto_pad", "VALID"));
        yield return new("Conv_1D", [2, 4, 11], new OnnxGraphBuilder(13, "x", 2, 4, 11)
            .Initializer("w", Random(5 * 4 * 3, 1), 5, 4, 3).Initializer("b", Random(5, 2), 5)
            .Node("Conv", ["x", "w", "b"], ["y"], null, Ints("pads", 1, 1)).Output("y").Bytes());

        // Normalisation.
        yield return Single("BatchNormalization_Opset15", 15, "BatchNormalization", b => b
            .Initializer("s", Random(4, 3), 4).Initializer("bb", Random(4, 4), 4)
            .Initializer("m", Random(4, 5), 4).Initializer("v", Positive(4, 6), 4), ["s", "bb", "m", "v"], Float("epsilon", 1e-3f));
        yield return Single("BatchNormalization_Opset8_Spatial", 8, "BatchNormalization", b => b
            .Initializer("s", Random(4, 3), 4).Initializer("bb", Random(4, 4), 4)
            .Initializer("m", Random(4, 5), 4).Initializer("v", Positive(4, 6), 4), ["s", "bb", "m", "v"], Int("spatial", 1), Float("momentum", 0.99f));
        yield return Single("LRN_Size5", 13, "LRN", null, [], Int("size", 5), Float("alpha", 1e-2f), Float("beta", 0.75f), Float("bias", 2f));
        yield return Single("LRN_Size3", 13, "LRN", null, [], Int("size", 3), Float("alpha", 1e-1f));

        // Activations.
        yield return Single("Relu", 13, "Relu", null, []);
        yield return Single("LeakyRelu_Alpha0.2", 13, "LeakyRelu", null, [], Float("alpha", 0.2f));
        yield return Single("Sigmoid", 13, "Sigmoid", null, []);
        yield return Single("Tanh", 13, "Tanh", null, []);
        yield return Single("Clip_Opset13_Relu6", 13, "Clip", b => b.Initializer("lo", [0f]).Initializer("hi", [0.5f]), ["lo", "hi"]);
        yield return Single("Clip_Opset13_NoBounds", 13, "Clip", null, []);
        yield return Single("Clip_Opset6_Attributes", 6, "Clip", null, [], Float("min", -0.3f), Float("max", 0.4f));
        yield return Single("Softmax_Opset13_LastAxis", 13, "Softmax", null, []);
        yield return Single("Softmax_Opset11_CoercedAxis1", 11, "Softmax", null, [], Int("axis", 1));
        yield return Single("LogSoftmax_Opset13_Axis1", 13, "LogSoftmax", null, [], Int("axis", 1));

        // Pooling.
        yield return Single("MaxPool_3x3_Stride2_Pads1", 13, "MaxPool", null, [], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
        yield return Single("MaxPool_CeilMode", 13, "MaxPool", null, [], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Int("ceil_mode", 1));
        yield return Single("MaxPool_AsymmetricPads", 8, "MaxPool", null, [], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 0, 0));
        yield return new("MaxPool_AsymmetricPads_EvenInput_UnusedEndPad", [2, 4, 8, 8], new OnnxGraphBuilder(8, "x", 2, 4, 8, 8)
            .Node("MaxPool", ["x"], ["y"], null, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 0, 0)).Output("y").Bytes());
        yield return Single("MaxPool_AutoPadSameUpper", 13, "MaxPool", null, [], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"));
        yield return Single("MaxPool_Dilated", 13, "MaxPool", null, [], Ints("kernel_shape", 2, 2), Ints("dilations", 2, 2));
        yield return Single("AveragePool_ExcludePad", 13, "AveragePool", null, [], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
        yield return Single("AveragePool_IncludePad", 13, "AveragePool", null, [], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", 1));
        yield return Single("AveragePool_CeilMode_Stride2", 13, "AveragePool", null, [], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Int("ceil_mode", 1));
        yield return Single("AveragePool_AsymmetricPads_ExcludePad", 13, "AveragePool", null, [], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 0, 0, 2, 2));
        yield return Single("AveragePool_7x7_Opset8", 8, "AveragePool", null, [], Ints("kernel_shape", 7, 7), Ints("pads", 0, 0, 0, 0));
        yield return Single("GlobalAveragePool", 13, "GlobalAveragePool", null, []);
        yield return Single("GlobalMaxPool", 13, "GlobalMaxPool", null, []);

        // Element-wise with broadcast initializers.
        yield return Single("Add_BroadcastBias", 13, "Add", b => b.Initializer("c", Random(4, 7), 4, 1, 1), ["c"]);
        yield return Single("Sub_Broadcast", 13, "Sub", b => b.Initializer("c", Random(9, 8), 9), ["c"]);
        yield return Single("Mul_Broadcast", 13, "Mul", b => b.Initializer("c", Random(4, 9), 1, 4, 1, 1), ["c"]);
        yield return Single("Div_Broadcast", 13, "Div", b => b.Initializer("c", Positive(4, 10), 4, 1, 1), ["c"]);
        yield return new("Sum_ThreeInputs", Image, new OnnxGraphBuilder(13, "x", Image)
            .Initializer("c", Random(9, 12), 9)
            .Node("Relu", ["x"], ["r"]).Node("Sum", ["x", "r", "c"], ["y"]).Output("y").Bytes());

        // Shapes.
        yield return new("Concat_Axis1", Image, new OnnxGraphBuilder(13, "x", Image)
            .Node("Relu", ["x"], ["r"]).Node("Concat", ["x", "r"], ["y"], null, Int("axis", 1)).Output("y").Bytes());
        yield return new("Split_Opset13_SizesInput", Image, new OnnxGraphBuilder(13, "x", Image)
            .Initializer("s", [1L, 3L], 2)
            .Node("Split", ["x", "s"], ["a", "b"], null, Int("axis", 1)).Node("Concat", ["b", "a"], ["y"], null, Int("axis", 1)).Output("y").Bytes());
        yield return new("Split_Opset11_EqualParts", Image, new OnnxGraphBuilder(11, "x", Image)
            .Node("Split", ["x"], ["a", "b"], null, Int("axis", 1)).Node("Sub", ["a", "b"], ["y"]).Output("y").Bytes());
        yield return Single("Flatten_Axis1", 13, "Flatten", null, [], Int("axis", 1));
        yield return Single("Flatten_Axis2", 13, "Flatten", null, [], Int("axis", 2));
        yield return Single("Reshape_ZeroAndInfer", 13, "Reshape", b => b.Initializer("shape", [0L, -1L], 2), ["shape"]);
        yield return Single("Transpose_Perm", 13, "Transpose", null, [], Ints("perm", 0, 2, 3, 1));
        yield return Single("Squeeze_Unsqueeze", 13, "Unsqueeze", b => b.Initializer("axes", [0L, 3L], 2), ["axes"]);
        yield return new("Squeeze_Opset13", [2, 1, 5], new OnnxGraphBuilder(13, "x", 2, 1, 5)
            .Initializer("axes", [1L], 1).Node("Squeeze", ["x", "axes"], ["y"]).Output("y").Bytes());
        yield return Single("Identity", 13, "Identity", null, []);
        yield return Single("Gather_ChannelsReordered", 13, "Gather", b => b.Initializer("order", [2L, 1L, 0L, -1L], 4), ["order"], Int("axis", 1));
        yield return Single("Gather_ScalarIndexDropsAxis", 13, "Gather", b => b.Initializer("i", [3L]), ["i"], Int("axis", 2));
        yield return new("Constant_Added", Image, new OnnxGraphBuilder(13, "x", Image)
            .Node("Constant", [], ["k"], null, Tensor("value", Random(9, 13), 9)).Node("Add", ["x", "k"], ["y"]).Output("y").Bytes());

        // Linear layers.
        yield return new("Gemm_TransB_AlphaBeta", [3, 5], new OnnxGraphBuilder(13, "x", 3, 5)
            .Initializer("w", Random(4 * 5, 14), 4, 5).Initializer("c", Random(4, 15), 4)
            .Node("Gemm", ["x", "w", "c"], ["y"], null, Int("transB", 1), Float("alpha", 0.5f), Float("beta", 2f)).Output("y").Bytes());
        yield return new("Gemm_NoBias", [3, 5], new OnnxGraphBuilder(13, "x", 3, 5)
            .Initializer("w", Random(5 * 4, 16), 5, 4).Node("Gemm", ["x", "w"], ["y"]).Output("y").Bytes());
        yield return new("MatMul_Batched", [2, 3, 5], new OnnxGraphBuilder(13, "x", 2, 3, 5)
            .Initializer("w", Random(5 * 4, 17), 5, 4).Node("MatMul", ["x", "w"], ["y"]).Output("y").Bytes());
        yield return Single("Dropout_Opset13_Inference", 13, "Dropout", b => b.Initializer("ratio", [0.5f]), ["ratio"]);
        yield return Single("Dropout_Opset7_Inference", 7, "Dropout", null, [], Float("ratio", 0.3f));

        // Padding.
        yield return Single("Pad_Opset13_ConstantValue", 13, "Pad", b => b.Initializer("p", [0L, 0L, 1L, 2L, 0L, 0L, 2L, 1L], 8).Initializer("v", [1.5f]), ["p", "v"]);
        yield return Single("Pad_Opset13_Reflect", 13, "Pad", b => b.Initializer("p", [0L, 0L, 2L, 1L, 0L, 0L, 1L, 2L], 8), ["p"], String("mode", "reflect"));
        yield return Single("Pad_Opset13_Edge", 13, "Pad", b => b.Initializer("p", [0L, 0L, 1L, 1L, 0L, 0L, 3L, 0L], 8), ["p"], String("mode", "edge"));
        yield return Single("Pad_Opset2_Attributes", 2, "Pad", null, [], Ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), Float("value", -2f));
    }

    public static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    private static float[] Positive(int count, int seed) => Random(count, seed).Select(v => 0.5f + Math.Abs(v)).ToArray();

    private static OperatorCase Conv(string name, long[] weightShape, params global::Onnx.AttributeProto[] attributes)
    {
        int count = (int)weightShape.Aggregate(1L, (p, d) => p * d);
        var builder = new OnnxGraphBuilder(13, "x", Image)
            .Initializer("w", Random(count, 1), weightShape)
            .Initializer("b", Random((int)weightShape[0], 2), weightShape[0])
            .Node("Conv", ["x", "w", "b"], ["y"], null, attributes)
            .Output("y");
        return new(name, Image, builder.Bytes());
    }

    private static OperatorCase Single(string name, long opset, string opType, Func<OnnxGraphBuilder, OnnxGraphBuilder>? initializers, string[] extraInputs, params global::Onnx.AttributeProto[] attributes)
    {
        var builder = new OnnxGraphBuilder(opset, "x", Image);
        builder = initializers?.Invoke(builder) ?? builder;
        builder.Node(opType, ["x", .. extraInputs], ["y"], null, attributes).Output("y");
        return new(name, Image, builder.Bytes());
    }
}
