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
/// Tenni's own float32 kernels (channel-blocked layout, AVX-512) against ONNX Runtime running the same
/// unfolded graph, the independent reference. Tolerance: 1e-5 of the largest value, as for libtorch's
/// folded copy (both reorder float32 sums; 3e-6 measured). The graphs are small ResNets with the shapes
/// the kernels special-case and those they do not: RGB planes in, 7×7 stride 2, a pooling taken into a
/// convolution, residual additions, 1×1 stride 2, widths that are not multiples of the 7-pixel tile,
/// asymmetric padding, and average pooling with and without the padding counted.
/// </summary>
public sealed class BlockedPlanTests
{
    public BlockedPlanTests() => TorchNative.EnsureLoaded();

    [Theory]
    [InlineData(4, 224, "MaxPool", 0)] // ResNet's own sizes: every width a multiple of the tile; every layer image by image
    [InlineData(5, 37, "MaxPool", 0)] // 19, 10, 5 and 3 pixels wide: tiles cut short everywhere
    [InlineData(1, 30, "AveragePool", 0)]
    [InlineData(2, 23, "AveragePool", 1)]
    [InlineData(3, 25, "MaxPool", 0)] // 7×7 at the 3×3 stride-1 layers: Winograd's 2×2 tiles cut short, and its groups of 14 tiles spanning images
    [InlineData(2, 33, "MaxPool", 0, true)] // weights packed from channels-last memory, read in place (WeightView)
    public void Run_SmallResNet_MatchesOnnxRuntime(int batch, int size, string stemPool, int countPadding, bool channelsLast = false)
    {
        if (!BlockedPlan.Supported)
        {
            return; // no AVX-512 here: libtorch runs every graph, and its own tests cover it
        }

        var model = SmallResNet(stemPool, countPadding);
        long[] shape = [batch, 3, size, size];
        float[] input = Input(shape);
        using var plan = Compile(model, ["y", "block1"], out var graph, out _, channelsLast: channelsLast);
        using (graph)
        {
            Assert.NotNull(plan);
            Assert.Equal(2, plan.WinogradConvolutions); // the block's two 3×3 stride-1 convolutions

            using var scope = NewDisposeScope();
            var outputs = plan.Run(AlignedTensorOf(input, shape), ["y", "block1"]);

            Assert.NotNull(outputs);
            var (expected, expectedShape) = OrtReference.Run(model.ToByteArray(), "x", input, shape, "y");
            Assert.Equal(expectedShape, outputs["y"].shape);
            TensorAssert.WithinScale(expected, outputs["y"].contiguous().data<float>().ToArray(), 1e-5, "pooled features");
            var (block, blockShape) = OrtReference.Run(WithOutput(model, "block1").ToByteArray(), "x", input, shape, "block1");
            Assert.Equal(blockShape, outputs["block1"].shape);
            TensorAssert.WithinScale(block, outputs["block1"].contiguous().data<float>().ToArray(), 1e-5, "first block (a tensor inside the graph)");
        }
    }

    [Fact]
    public void Run_FirstLayersImageByImageThenLayerByLayer_MatchesOnnxRuntime()
    {
        if (!BlockedPlan.Supported || get_num_threads() < 2)
        {
            return; // one thread never splits a batch
        }

        // This small graph's weights are light beside its activations: at the default rule it runs image by
        // image throughout. A rule of 1 splits it after the first block, as ResNet18 splits.
        var model = SmallResNet("MaxPool", 0);
        long[] shape = [5, 3, 37, 37];
        float[] input = Input(shape);
        using var plan = Compile(model, ["y", "block1"], out var graph, out _);
        using (graph)
        {
            plan!.WeightsPerActivation = 1;
            var timed = new List<int>();
            plan.StepTimer = (i, _, _) => timed.Add(i);
            using var scope = NewDisposeScope();
            var outputs = plan.Run(AlignedTensorOf(input, shape), ["y", "block1"]);
            Assert.Contains(-1, timed); // the image-by-image phase ran
            Assert.Contains(timed, i => i >= 0); // and layer-by-layer steps after it
            TensorAssert.WithinScale(OrtReference.Run(model.ToByteArray(), "x", input, shape, "y").Values, outputs!["y"].contiguous().data<float>().ToArray(), 1e-5, "pooled features");
            TensorAssert.WithinScale(OrtReference.Run(WithOutput(model, "block1").ToByteArray(), "x", input, shape, "block1").Values, outputs["block1"].contiguous().data<float>().ToArray(), 1e-5, "first block, crossing from one phase to the other");
        }
    }

    [Fact]
    public void Run_SecondBatchOfAnotherSize_ReusesBuffersAndStaysExact()
    {
        if (!BlockedPlan.Supported)
        {
            return;
        }

        // Buffers are handed out again by size: a smaller batch after a larger one reads stale values in
        // the border ring unless it is cleared, and a larger one after it needs new memory.
        var model = SmallResNet("MaxPool", 0);
        using var plan = Compile(model, ["y"], out var graph);
        using (graph)
        {
            foreach (long[] shape in new long[][] { [4, 3, 29, 29], [1, 3, 29, 29], [2, 3, 41, 41], [4, 3, 29, 29] })
            {
                float[] input = Input(shape, seed: (int)(shape[0] + shape[2]));
                using var scope = NewDisposeScope();
                var outputs = plan!.Run(AlignedTensorOf(input, shape), ["y"]);
                float[] expected = OrtReference.Run(model.ToByteArray(), "x", input, shape, "y").Values;
                TensorAssert.WithinScale(expected, outputs!["y"].contiguous().data<float>().ToArray(), 1e-5, $"batch [{string.Join(", ", shape)}]");
            }
        }
    }

    // Winograd's F(2×2, 3×3) alone, against ONNX Runtime: output sizes of every parity (tiles cut short on
    // either axis, a plane smaller than one tile), residual and ReLU taken in, and groups of 14 tiles that
    // end inside an image or span several; the same graph through the direct kernel agrees too.
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 2, 3)]
    [InlineData(3, 7, 7)]
    [InlineData(2, 9, 6)]
    [InlineData(1, 16, 13)]
    public void Run_WinogradConvolution_MatchesOnnxRuntime(int batch, int height, int width)
    {
        if (!BlockedPlan.Supported)
        {
            return;
        }

        var random = new Random(height * 31 + width);
        var model = new OnnxGraphBuilder(13, "x", -1, 32, -1, -1)
            .Initializer("w1", Values(random, 32 * 32 * 9, 0.1), 32, 32, 3, 3).Initializer("b1", Values(random, 32, 0.2), 32)
            .Initializer("w2", Values(random, 64 * 32 * 9, 0.1), 64, 32, 3, 3)
            .Node("Conv", ["x", "w1", "b1"], ["c1"], "residual_conv", Ints("pads", 1, 1, 1, 1))
            .Node("Add", ["c1", "x"], ["s1"])
            .Node("Relu", ["s1"], ["r1"])
            .Node("Conv", ["r1", "w2"], ["y"], "plain_conv", Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3))
            .Output("y").Build();
        long[] shape = [batch, 32, height, width];
        float[] input = Input(shape, seed: batch + height);
        float[] expected = OrtReference.Run(model.ToByteArray(), "x", input, shape, "y").Values;
        foreach (bool winograd in new[] { true, false })
        {
            using var plan = Compile(model, ["y"], out var graph, out _, winograd);
            using (graph)
            {
                Assert.Equal(winograd ? 2 : 0, plan!.WinogradConvolutions);
                using var scope = NewDisposeScope();
                var outputs = plan.Run(AlignedTensorOf(input, shape), ["y"]);
                TensorAssert.WithinScale(expected, outputs!["y"].contiguous().data<float>().ToArray(), 1e-5, winograd ? "Winograd" : "direct");
            }
        }
    }

    [Theory]
    [InlineData("group")] // a grouped convolution
    [InlineData("sigmoid")] // an operator the kernels do not have
    [InlineData("channels")] // 3→24 channels: not a multiple of 32
    public void TryCompile_NodeNotCovered_ReturnsNullAndNamesTheNode(string what)
    {
        var random = new Random(5);
        int outChannels = what == "channels" ? 24 : 32;
        var builder = new OnnxGraphBuilder(13, "x", 1, 4, 16, 16)
            .Initializer("w", Values(random, outChannels * (what == "group" ? 2 : 4) * 9, 0.3), outChannels, what == "group" ? 2 : 4, 3, 3)
            .Node("Conv", ["x", "w"], ["c"], "odd_conv", Ints("pads", 1, 1, 1, 1), Int("group", what == "group" ? 2 : 1));
        builder = what == "sigmoid" ? builder.Node("Sigmoid", ["c"], ["y"], "squash") : builder.Node("Relu", ["c"], ["y"]);
        using var plan = Compile(builder.Output("y").Build(), ["y"], out var graph, out string reason);
        using (graph)
        {
            Assert.Null(plan);
            Assert.Contains(what == "sigmoid" ? "'squash' (Sigmoid)" : "'odd_conv' (Conv)", reason);
        }
    }

    // A size past int's range would wrap around into a plausible small one (2^32 + 1 → 1) if cast blindly:
    // such nodes go to libtorch, which reports them. So does a kernel_shape the weights do not have.
    [Theory]
    [InlineData("stride")]
    [InlineData("kernel_shape")]
    [InlineData("pool_window")]
    [InlineData("pool_stride")]
    public void TryCompile_SizeTheFileDeclaresButCannotHold_ReturnsNullAndNamesTheNode(string what)
    {
        const long Wraps = (1L << 32) + 1;
        var random = new Random(9);
        var conv = what switch
        {
            "stride" => new[] { Ints("strides", Wraps, 1) },
            "kernel_shape" => [Ints("kernel_shape", 5, 5)],
            _ => [],
        };
        var pool = what == "pool_window"
            ? new[] { Ints("kernel_shape", Wraps + 2, 3), Ints("strides", 2, 2) }
            : [Ints("kernel_shape", 3, 3), Ints("strides", 2, what == "pool_stride" ? Wraps : 2)];
        var model = new OnnxGraphBuilder(13, "x", 1, 16, 16, 16)
            .Initializer("w", Values(random, 32 * 16 * 9, 0.1), 32, 16, 3, 3)
            .Node("Conv", ["x", "w"], ["c"], "hostile_conv", conv)
            .Node("MaxPool", ["c"], ["y"], "hostile_pool", pool)
            .Output("y").Build();

        using var plan = Compile(model, ["y"], out var graph, out string reason);
        using (graph)
        {
            Assert.Null(plan);
            Assert.Contains(what.StartsWith("pool", StringComparison.Ordinal) ? "'hostile_pool' (MaxPool)" : "'hostile_conv' (Conv)", reason);
        }
    }

    [Fact]
    public void Run_BatchTheGraphDoesNotFit_ReturnsNullForLibtorchToReport()
    {
        if (!BlockedPlan.Supported)
        {
            return;
        }

        using var plan = Compile(SmallResNet("MaxPool", 0), ["y"], out var graph);
        using (graph)
        {
            using var scope = NewDisposeScope();
            Assert.Null(plan!.Run(zeros(1, 4, 32, 32), ["y"])); // four channels where the stem takes three
            Assert.Null(plan.Run(zeros(1, 3, 32, 32, ScalarType.Float64), ["y"]));
            Assert.Null(plan.Run(zeros(3, 32, 32), ["y"])); // no batch axis
        }
    }

    // x → Conv 7×7/2 (3→32) → BN → Relu → pool 3×3/2 → block1 = relu(conv(relu(conv(p))) + p)
    //   → relu(conv3×3/2 → relu → conv 3×3 (asymmetric pads) + conv 1×1/2 (32→64)) → GlobalAveragePool → Flatten → y
    private static ModelProto SmallResNet(string stemPool, int countPadding)
    {
        var random = new Random(11);
        var pool = stemPool == "MaxPool"
            ? new[] { Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1) }
            : new[] { Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", countPadding) };
        return new OnnxGraphBuilder(13, "x", -1, 3, -1, -1)
            .Initializer("w0", Values(random, 32 * 3 * 49, 0.2), 32, 3, 7, 7).Initializer("b0", Values(random, 32, 0.1), 32)
            .Initializer("g0", Values(random, 32, 0.3, 1), 32).Initializer("beta0", Values(random, 32, 0.2), 32)
            .Initializer("m0", Values(random, 32, 0.3), 32).Initializer("v0", Values(random, 32, 0.4, 1), 32)
            .Initializer("w1", Values(random, 32 * 32 * 9, 0.08), 32, 32, 3, 3).Initializer("b1", Values(random, 32, 0.1), 32)
            .Initializer("w2", Values(random, 32 * 32 * 9, 0.08), 32, 32, 3, 3)
            .Initializer("w3", Values(random, 64 * 32 * 9, 0.08), 64, 32, 3, 3).Initializer("b3", Values(random, 64, 0.1), 64)
            .Initializer("w4", Values(random, 64 * 64 * 4, 0.08), 64, 64, 2, 2)
            .Initializer("wd", Values(random, 64 * 32, 0.2), 64, 32, 1, 1).Initializer("bd", Values(random, 64, 0.1), 64)
            .Node("Conv", ["x", "w0", "b0"], ["c0"], "stem", Ints("strides", 2, 2), Ints("pads", 3, 3, 3, 3))
            .Node("BatchNormalization", ["c0", "g0", "beta0", "m0", "v0"], ["n0"], "stem_bn")
            .Node("Relu", ["n0"], ["r0"])
            .Node(stemPool, ["r0"], ["p0"], "stem_pool", pool)
            .Node("Conv", ["p0", "w1", "b1"], ["c1"], "conv1", Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2"], ["c2"], "conv2", Ints("pads", 1, 1, 1, 1))
            .Node("Add", ["c2", "p0"], ["s1"])
            .Node("Relu", ["s1"], ["block1"])
            .Node("Conv", ["block1", "wd", "bd"], ["down"], "downsample", Ints("strides", 2, 2))
            .Node("Conv", ["block1", "w3", "b3"], ["c3"], "conv3", Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c3"], ["r3"])
            .Node("Conv", ["r3", "w4"], ["c4"], "conv4", Ints("pads", 0, 0, 1, 1))
            .Node("Add", ["down", "c4"], ["s2"])
            .Node("Relu", ["s2"], ["block2"])
            .Node("GlobalAveragePool", ["block2"], ["gap"])
            .Node("Flatten", ["gap"], ["y"], "flatten", Int("axis", 1))
            .Output("y").Build();
    }

    private static ModelProto WithOutput(ModelProto model, string output)
    {
        var copy = model.Clone();
        copy.Graph.Output.Clear();
        copy.Graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        return copy;
    }

    // As SourceModel does: every layer frozen, BatchNorm folded into the float32 copy, then compiled.
    private static BlockedPlan? Compile(ModelProto model, string[] outputs, out OnnxGraph copy) => Compile(model, outputs, out copy, out _);

    private static BlockedPlan? Compile(ModelProto model, string[] outputs, out OnnxGraph copy, out string reason, bool winograd = true, bool channelsLast = false)
    {
        using var graph = OnnxGraph.FromModel(model, channelsLast);
        foreach (var layer in graph.Layers)
        {
            layer.SetTrainable(false);
        }

        graph.eval();
        copy = FrozenGraphBuilder.Build(graph, outputs, ScalarType.Float32).Graph;
        return BlockedPlan.TryCompile(copy, outputs, out reason, winograd);
    }

    private static float[] Input(long[] shape, int seed = 7)
    {
        var random = new Random(seed);
        return Values(random, (int)shape.Aggregate(1L, (a, b) => a * b), 1.5);
    }

    private static Tensor AlignedTensorOf(float[] values, long[] shape) => Tenni.IO.AlignedTensor.From(values, shape);

    private static float[] Values(Random random, int n, double scale, double offset = 0) =>
        [.. Enumerable.Range(0, n).Select(_ => (float)(offset + (scale * ((random.NextDouble() * 2) - 1))))];
}
