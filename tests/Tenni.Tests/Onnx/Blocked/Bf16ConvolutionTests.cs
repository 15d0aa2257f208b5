using Google.Protobuf;
using Onnx;
using Tenni.Native;
using Tenni.Onnx;
using Tenni.Onnx.Blocked;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx.Blocked;

/// <summary>
/// The bfloat16 convolution (machine-code tile, native/bf16-tile.S) against ONNX Runtime. With the input and
/// weights already bfloat16 values, every product is exact in float32, so the kernel must agree with ONNX
/// Runtime's float32 convolution of the same values up to the order of the sums: 1e-5 of the largest value.
/// A whole small ResNet, whose activations the kernel rounds between layers, agrees within bfloat16's own
/// precision (2e-2 of the largest value; 8 bits of mantissa).
/// </summary>
public sealed class Bf16ConvolutionTests
{
    public Bf16ConvolutionTests() => TorchNative.EnsureLoaded();

    [Theory]
    [InlineData(1, 32, 64, 3, 1, 1, 1, 1, false)] // a plane smaller than one tile
    [InlineData(2, 32, 64, 3, 1, 7, 7, 1, false)] // an odd height: the last row alone
    [InlineData(3, 48, 32, 3, 1, 9, 13, 1, false)] // three input blocks, tiles cut short
    [InlineData(2, 32, 96, 3, 2, 15, 16, 1, false)] // stride 2
    [InlineData(2, 64, 64, 1, 2, 14, 14, 0, false)] // ResNet's 1×1 stride-2 projection
    [InlineData(1, 16, 32, 1, 1, 56, 56, 0, false)]
    [InlineData(2, 3, 64, 7, 2, 37, 45, 3, true)] // an RGB stem in planes (pairs of pixels), 7×7/2, its max pooling taken in
    [InlineData(3, 3, 32, 3, 1, 11, 8, 1, false)] // planes at stride 1: pairs start at odd pixels
    [InlineData(1, 5, 32, 3, 2, 20, 21, 1, true)]
    public void Run_OneConvolution_MatchesOnnxRuntimeOnBf16Values(int batch, int inChannels, int outChannels, int kernel, int stride, int height, int width, int pad, bool pool)
    {
        if (!Bf16Convolution.Supported)
        {
            return; // no AVX512_BF16 here: bfloat16 runs in libtorch, whose own tests cover it
        }

        var random = new Random((inChannels * 7) + height);
        bool residual = stride == 1 && inChannels == outChannels;
        var builder = new OnnxGraphBuilder(13, "x", -1, inChannels, -1, -1)
            .Initializer("w", Rounded(Values(random, outChannels * inChannels * kernel * kernel, 0.1)), outChannels, inChannels, kernel, kernel)
            .Initializer("b", Values(random, outChannels, 0.2), outChannels)
            .Node("Conv", ["x", "w", "b"], ["c"], "conv", Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad));
        builder = residual ? builder.Node("Add", ["c", "x"], ["s"]).Node("Relu", ["s"], ["r"]) : builder.Node("Relu", ["c"], ["r"]);
        builder = pool
            ? builder.Node("MaxPool", ["r"], ["y"], "pool", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1))
            : builder.Node("Identity", ["r"], ["y"]);
        var model = builder.Output("y").Build();
        long[] shape = [batch, inChannels, height, width];
        float[] input = Rounded(Values(new Random(batch + width), (int)shape.Aggregate(1L, (a, b) => a * b), 1.5));

        var (expected, expectedShape) = OrtReference.Run(model.ToByteArray(), "x", input, shape, "y");
        using var plan = Compile(model, ["y"], out var graph);
        using (graph)
        {
            Assert.Equal(1, plan!.Bf16Convolutions);
            using var scope = NewDisposeScope();
            var outputs = plan.Run(Tenni.IO.AlignedTensor.From(input, shape), ["y"]);
            Assert.Equal(expectedShape, outputs!["y"].shape);
            TensorAssert.WithinScale(expected, outputs["y"].contiguous().data<float>().ToArray(), 1e-5, $"bf16 {kernel}×{kernel}/{stride} {inChannels}→{outChannels} at {height}×{width}{(pool ? ", pooled" : "")}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // weights packed from channels-last memory, read in place (WeightView)
    public void Run_SmallResNet_MatchesOnnxRuntimeWithinBf16Precision(bool channelsLast)
    {
        if (!Bf16Convolution.Supported)
        {
            return;
        }

        // Every convolution runs in bfloat16, the stem's RGB planes too: image by image (batch 4), or layer
        // by layer throughout (batch 1).
        var random = new Random(5);
        var model = new OnnxGraphBuilder(13, "x", -1, 3, -1, -1)
            .Initializer("w0", Values(random, 32 * 3 * 9, 0.3), 32, 3, 3, 3)
            .Initializer("w1", Values(random, 32 * 32 * 9, 0.08), 32, 32, 3, 3).Initializer("b1", Values(random, 32, 0.1), 32)
            .Initializer("w2", Values(random, 32 * 32 * 9, 0.08), 32, 32, 3, 3)
            .Initializer("w3", Values(random, 64 * 32 * 9, 0.08), 64, 32, 3, 3)
            .Initializer("wd", Values(random, 64 * 32, 0.2), 64, 32, 1, 1)
            .Node("Conv", ["x", "w0"], ["c0"], "stem", Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c0"], ["r0"])
            .Node("Conv", ["r0", "w1", "b1"], ["c1"], "conv1", Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2"], ["c2"], "conv2", Ints("pads", 1, 1, 1, 1))
            .Node("Add", ["c2", "r0"], ["s1"])
            .Node("Relu", ["s1"], ["block1"])
            .Node("Conv", ["block1", "wd"], ["down"], "downsample", Ints("strides", 2, 2))
            .Node("Conv", ["block1", "w3"], ["c3"], "conv3", Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1))
            .Node("Add", ["down", "c3"], ["s2"])
            .Node("Relu", ["s2"], ["block2"])
            .Node("GlobalAveragePool", ["block2"], ["gap"])
            .Node("Flatten", ["gap"], ["y"], "flatten", Int("axis", 1))
            .Output("y").Build();
        foreach (long[] shape in new long[][] { [4, 3, 28, 28], [1, 3, 19, 23] })
        {
            float[] input = Values(new Random((int)shape[2]), (int)shape.Aggregate(1L, (a, b) => a * b), 1.5);
            float[] expected = OrtReference.Run(model.ToByteArray(), "x", input, shape, "y").Values;
            using var plan = Compile(model, ["y"], out var graph, channelsLast);
            using (graph)
            {
                Assert.Equal(5, plan!.Bf16Convolutions);
                using var scope = NewDisposeScope();
                var outputs = plan.Run(Tenni.IO.AlignedTensor.From(input, shape), ["y"]);
                float[] actual = outputs!["y"].contiguous().data<float>().ToArray();
                TensorAssert.WithinScale(expected, actual, 2e-2, $"bf16 small ResNet, batch [{string.Join(", ", shape)}]");
                Assert.True(expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) > 0, "bf16 rounding left no trace: the float32 kernels ran");
            }
        }
    }

    [Fact]
    public void ToBf16_RoundsToNearestWithTiesToEven()
    {
        Assert.Equal(0x3F80, Bf16Convolution.ToBf16(1f));
        Assert.Equal(0x3F80, Bf16Convolution.ToBf16(BitConverter.UInt32BitsToSingle(0x3F808000))); // a tie, to the even 0x3F80
        Assert.Equal(0x3F82, Bf16Convolution.ToBf16(BitConverter.UInt32BitsToSingle(0x3F818000))); // a tie, to the even 0x3F82
        Assert.Equal(0x3F81, Bf16Convolution.ToBf16(BitConverter.UInt32BitsToSingle(0x3F808001))); // past the tie: up
        Assert.Equal(0xC000, Bf16Convolution.ToBf16(-2f));
    }

    private static BlockedPlan? Compile(ModelProto model, string[] outputs, out OnnxGraph copy, bool channelsLast = false)
    {
        using var graph = OnnxGraph.FromModel(model, channelsLast);
        foreach (var layer in graph.Layers)
        {
            layer.SetTrainable(false);
        }

        graph.eval();
        copy = FrozenGraphBuilder.Build(graph, outputs, ScalarType.Float32).Graph;
        var plan = BlockedPlan.TryCompile(copy, outputs, out string reason, bf16: true);
        Assert.True(plan is not null, reason);
        return plan;
    }

    private static float[] Rounded(float[] values) =>
        [.. values.Select(v => BitConverter.UInt32BitsToSingle((uint)Bf16Convolution.ToBf16(v) << 16))];

    private static float[] Values(Random random, int n, double scale) =>
        [.. Enumerable.Range(0, n).Select(_ => (float)(scale * ((random.NextDouble() * 2) - 1)))];
}
