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
/// The one-dimensional Winograd bfloat16 convolution against ONNX Runtime. Inputs are quarters of small
/// integers and weights 64ths of small integers: then every transformed input (a sum or difference of two
/// pixels) and transformed weight ((g0 ± g1 + g2) / 2) is a bfloat16 value, every product and sum is exact in
/// float32, and the kernel must give ONNX Runtime's float32 result exactly (1e-6 of the largest value). On
/// random values it agrees within bfloat16's precision, and with the direct bfloat16 kernel as closely.
/// </summary>
public sealed class Bf16RowWinogradConvolutionTests
{
    public Bf16RowWinogradConvolutionTests() => TorchNative.EnsureLoaded();

    [Theory]
    [InlineData(1, 64, 64, 56, 56, true)] // ResNet's first stage, residual and ReLU
    [InlineData(2, 64, 32, 7, 7, false)] // an odd width: each row's last pair half used, jobs run on past a row's end
    [InlineData(3, 128, 128, 9, 13, true)] // three images, pair-major jobs across them
    [InlineData(1, 64, 96, 1, 1, false)] // a plane smaller than one pair
    [InlineData(2, 80, 64, 5, 6, false)] // five input blocks
    [InlineData(1, 512, 512, 7, 7, true)] // ResNet's last stage
    public void Run_ExactValues_MatchesOnnxRuntimeExactly(int batch, int inChannels, int outChannels, int height, int width, bool residual)
    {
        if (!Bf16Convolution.Supported)
        {
            return; // no AVX512_BF16 here: bfloat16 runs in libtorch, whose own tests cover it
        }

        var random = new Random(inChannels + (3 * height));
        float[] weights = Steps(random, outChannels * inChannels * 9, 16, 64);
        var model = Model(weights, Steps(random, outChannels, 8, 4), outChannels, inChannels, residual);
        long[] shape = [batch, inChannels, height, width];
        float[] input = Steps(new Random(batch + width), (int)shape.Aggregate(1L, (a, b) => a * b), 8, 4);

        var (expected, expectedShape) = OrtReference.Run(model.ToByteArray(), "x", input, shape, "y");
        float[] actual = Run(model, input, shape, winograd: true, out long[] actualShape);
        Assert.Equal(expectedShape, actualShape);
        TensorAssert.WithinScale(expected, actual, 1e-6, $"bf16 Winograd {inChannels}→{outChannels} at {height}×{width}, batch {batch}");
    }

    [Fact]
    public void Run_RandomValues_AsCloseToOnnxRuntimeAsTheDirectKernel()
    {
        if (!Bf16Convolution.Supported)
        {
            return;
        }

        var random = new Random(11);
        var model = Model(Values(random, 64 * 64 * 9, 0.06), Values(random, 64, 0.2), 64, 64, residual: true);
        long[] shape = [2, 64, 20, 17];
        float[] input = Values(new Random(3), 2 * 64 * 20 * 17, 1.5);
        float[] expected = OrtReference.Run(model.ToByteArray(), "x", input, shape, "y").Values;
        float[] winograd = Run(model, input, shape, winograd: true, out _);
        float[] direct = Run(model, input, shape, winograd: false, out _);
        double scale = expected.Max(Math.Abs);
        double winogradError = expected.Zip(winograd).Max(p => Math.Abs(p.First - p.Second)) / scale;
        double directError = expected.Zip(direct).Max(p => Math.Abs(p.First - p.Second)) / scale;
        Assert.True(winogradError > 0, "bfloat16 rounding left no trace: the float32 kernels ran");
        Assert.True(winogradError < 1e-2, $"Winograd: {winogradError:G3} of the largest value");
        Assert.True(winogradError < 2 * directError, $"Winograd {winogradError:G3} against direct {directError:G3}");
    }

    private static ModelProto Model(float[] weights, float[] bias, int outChannels, int inChannels, bool residual)
    {
        var builder = new OnnxGraphBuilder(13, "x", -1, inChannels, -1, -1)
            .Initializer("w", weights, outChannels, inChannels, 3, 3)
            .Initializer("b", bias, outChannels)
            .Node("Conv", ["x", "w", "b"], ["c"], "conv", Ints("pads", 1, 1, 1, 1));
        builder = residual ? builder.Node("Add", ["c", "x"], ["s"]).Node("Relu", ["s"], ["y"]) : builder.Node("Relu", ["c"], ["y"]);
        return builder.Output("y").Build();
    }

    private static float[] Run(ModelProto model, float[] input, long[] shape, bool winograd, out long[] outputShape)
    {
        using var graph = OnnxGraph.FromModel(model);
        foreach (var layer in graph.Layers)
        {
            layer.SetTrainable(false);
        }

        graph.eval();
        using var copy = FrozenGraphBuilder.Build(graph, ["y"], ScalarType.Float32).Graph;
        using var plan = BlockedPlan.TryCompile(copy, ["y"], out string reason, winograd, bf16: true);
        Assert.True(plan is not null, reason);
        Assert.Equal(winograd ? 1 : 0, plan.Bf16RowWinogradConvolutions);
        Assert.Equal(1, plan.Bf16Convolutions);
        using var scope = NewDisposeScope();
        var y = plan.Run(Tenni.IO.AlignedTensor.From(input, shape), ["y"])!["y"];
        outputShape = y.shape;
        return y.contiguous().data<float>().ToArray();
    }

    // Integers in [−range, range] divided by a power of two: bfloat16 values whose sums stay exact.
    private static float[] Steps(Random random, int n, int range, int divisor) =>
        [.. Enumerable.Range(0, n).Select(_ => (float)random.Next(-range, range + 1) / divisor)];

    private static float[] Values(Random random, int n, double scale) =>
        [.. Enumerable.Range(0, n).Select(_ => (float)(scale * ((random.NextDouble() * 2) - 1)))];
}
