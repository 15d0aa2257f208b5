using Google.Protobuf;
using Onnx;
using Tenni.Native;
using Tenni.Onnx;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx;

/// <summary>
/// The frozen copy (BatchNorm folded into convolutions, optionally bfloat16) against ONNX Runtime running
/// the original graph, the independent reference. Tolerances: float32 folding reorders the arithmetic
/// (1e-5 of the largest value); bfloat16 keeps 8 bits of mantissa: 2e-2 of the largest value and 1 % in
/// relative L2 norm (0.3 % measured). The real ResNet18's is in ResNet18ParityTests.
/// </summary>
public sealed class FrozenGraphBuilderTests
{
    private static readonly long[] Shape = [2, 3, 10, 10];

    public FrozenGraphBuilderTests() => TorchNative.EnsureLoaded();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Build_ConvolutionsFollowedByBatchNorm_FoldsBothAndMatchesOnnxRuntime(bool channelsLast)
    {
        var model = ConvBnGraph(branchAfterSecondConv: false);
        using var graph = Frozen(model, channelsLast);

        var (copy, folded) = FrozenGraphBuilder.Build(graph, ["y"], ScalarType.Float32);
        using (copy)
        {
            Assert.Equal(2, folded);
            Assert.DoesNotContain(copy.Nodes, n => n.OpType == "BatchNormalization");
            TensorAssert.WithinScale(Reference(model), Run(copy), 1e-5, "folded float32");
        }
    }

    [Fact]
    public void Build_Bf16_MatchesOnnxRuntimeToBf16Precision_AndReturnsTheOriginalGraphUntouched()
    {
        var model = ConvBnGraph(branchAfterSecondConv: false);
        using var graph = Frozen(model, channelsLast: true);
        float[] before = Run(graph);

        var (copy, _) = FrozenGraphBuilder.Build(graph, ["y"], ScalarType.BFloat16);
        using (copy)
        {
            Assert.Equal(ScalarType.BFloat16, copy.Dtype);
            Assert.All(copy.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
            float[] reference = Reference(model);
            float[] bf16 = Run(copy);
            TensorAssert.WithinScale(reference, bf16, 2e-2, "bfloat16");
            double error = Math.Sqrt(reference.Zip(bf16, (a, b) => (double)(a - b) * (a - b)).Sum() / reference.Sum(a => (double)a * a));
            Assert.True(error < 1e-2, $"relative L2 error {error:G3}"); // 0.3 % measured
            Assert.NotEqual(reference, bf16); // it did compute in bfloat16
        }

        Assert.Equal(before, Run(graph)); // the graph's own weights are unchanged (still float32, still unfolded)
        Assert.All(graph.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void Build_ConvolutionOutputUsedTwice_LeavesThatBatchNormUnfolded()
    {
        // The second convolution's output also feeds an Add: folding its BatchNorm would change the Add's input.
        var model = ConvBnGraph(branchAfterSecondConv: true);
        using var graph = Frozen(model, channelsLast: true);

        var (copy, folded) = FrozenGraphBuilder.Build(graph, ["y"], ScalarType.Float32);
        using (copy)
        {
            Assert.Equal(1, folded);
            TensorAssert.WithinScale(Reference(model), Run(copy), 1e-5, "partly folded");
        }
    }

    [Fact]
    public void Build_ConvolutionOutputAskedFor_KeepsItsBatchNormAndName()
    {
        var model = ConvBnGraph(branchAfterSecondConv: false);
        using var graph = Frozen(model, channelsLast: true);

        var (copy, folded) = FrozenGraphBuilder.Build(graph, ["c1", "y"], ScalarType.Float32);
        using (copy)
        {
            Assert.Equal(1, folded);
            using var scope = NewDisposeScope();
            var outputs = copy.Run(Input(), ["c1", "y"]);
            var expected = graph.Run(Input(), ["c1"])["c1"];
            TensorAssert.WithinScale(expected.contiguous().data<float>().ToArray(), outputs["c1"].contiguous().data<float>().ToArray(), 1e-6, "c1");
        }
    }

    // x → Conv(3→4, 3×3, bias) → BN → Relu → Conv(4→6, 1×1) → BN → y; optionally y = BN(c2) + c2 instead.
    private static ModelProto ConvBnGraph(bool branchAfterSecondConv)
    {
        var random = new Random(3);
        float[] Values(int n, double scale, double offset = 0) => [.. Enumerable.Range(0, n).Select(_ => (float)(offset + (scale * ((random.NextDouble() * 2) - 1))))];
        var builder = new OnnxGraphBuilder(13, "x", Shape)
            .Initializer("w1", Values(4 * 3 * 3 * 3, 0.3), 4, 3, 3, 3).Initializer("b1", Values(4, 0.2), 4)
            .Initializer("g1", Values(4, 0.5, 1), 4).Initializer("beta1", Values(4, 0.3), 4).Initializer("m1", Values(4, 0.4), 4).Initializer("v1", Values(4, 0.5, 1), 4)
            .Initializer("w2", Values(6 * 4, 0.4), 6, 4, 1, 1)
            .Initializer("g2", Values(6, 0.5, 1), 6).Initializer("beta2", Values(6, 0.3), 6).Initializer("m2", Values(6, 0.4), 6).Initializer("v2", Values(6, 0.5, 1), 6)
            .Node("Conv", ["x", "w1", "b1"], ["c1"], "conv1", Ints("pads", 1, 1, 1, 1))
            .Node("BatchNormalization", ["c1", "g1", "beta1", "m1", "v1"], ["n1"], "bn1", Float("epsilon", 1e-3f))
            .Node("Relu", ["n1"], ["r1"])
            .Node("Conv", ["r1", "w2"], ["c2"], "conv2")
            .Node("BatchNormalization", ["c2", "g2", "beta2", "m2", "v2"], [branchAfterSecondConv ? "n2" : "y"], "bn2");
        if (branchAfterSecondConv)
        {
            builder.Node("Add", ["n2", "c2"], ["y"]);
        }

        return builder.Output("y").Build();
    }

    // As SourceModel.Load leaves a source: every layer frozen, evaluation mode (running statistics, never updated).
    private static OnnxGraph Frozen(ModelProto model, bool channelsLast)
    {
        var graph = OnnxGraph.FromModel(model, channelsLast);
        foreach (var layer in graph.Layers)
        {
            layer.SetTrainable(false);
        }

        graph.eval();
        return graph;
    }

    private static Tensor Input() => randn(Shape, generator: new Generator(7));

    private static float[] Reference(ModelProto model) =>
        OrtReference.Run(model.ToByteArray(), "x", Input().data<float>().ToArray(), Shape, "y").Values;

    private static float[] Run(OnnxGraph graph)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return graph.Run(Input(), ["y"])["y"].to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }
}
