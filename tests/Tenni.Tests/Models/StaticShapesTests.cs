using Google.Protobuf;
using Tenni.Models.Architectures;
using Tenni.Onnx;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

/// <summary>Shapes followed through operator attributes must be the shapes libtorch computes.</summary>
public sealed class StaticShapesTests(ResNet18Fixture fixture) : IClassFixture<ResNet18Fixture>
{
    [Fact]
    [Trait("Category", "RealModel")]
    public void Infer_BundledResNet18_EveryTensorUpToThePoolingAsComputed()
    {
        // Given the bundled ResNet18 and every tensor before its global pooling
        OnnxGraph graph = fixture.Model.Graph;
        string[] tensors = graph.Nodes.TakeWhile(n => n.OpType is not ("GlobalAveragePool" or "AveragePool" or "Flatten" or "Reshape")).Select(n => n.Proto.Output[0]).ToArray();
        Assert.True(tensors.Length > 50, $"only {tensors.Length} tensors before the pooling");

        // When their shapes are followed statically
        var known = StaticShapes.Infer(graph, [1, 3, 224, 224], tensors);

        // Then every one is known, and equals what running the graph gives
        Assert.NotNull(known);
        AssertSameAsRun(graph, [1, 3, 224, 224], tensors, known);
    }

    [Fact]
    public void Infer_PadsStridesDilationsAutoPadAndBroadcast_AsComputed()
    {
        // Given convolutions and poolings with every way ONNX pads (explicit asymmetric, SAME_UPPER,
        // SAME_LOWER, VALID), strides, dilations and groups, and sums that broadcast
        var model = new OnnxGraphBuilder(13, "x", 1, 4, 23, 17)
            .Initializer("w1", new float[6 * 4 * 3 * 3], 6, 4, 3, 3)
            .Initializer("w2", new float[6 * 3 * 5 * 3], 6, 3, 5, 3)
            .Initializer("w3", new float[8 * 6 * 1 * 1], 8, 6, 1, 1)
            .Initializer("bias", new float[8], 8, 1, 1)
            .Node("Conv", ["x", "w1"], ["c1"], "c1", Ints("strides", 2, 1), Ints("pads", 1, 0, 2, 1))
            .Node("Relu", ["c1"], ["r1"], "r1")
            .Node("Conv", ["r1", "w2"], ["c2"], "c2", String("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2), Int("group", 2))
            .Node("MaxPool", ["c2"], ["p1"], "p1", Ints("kernel_shape", 3, 2), Ints("strides", 1, 2), String("auto_pad", "SAME_LOWER"))
            .Node("Conv", ["p1", "w3"], ["c3"], "c3", String("auto_pad", "VALID"))
            .Node("Add", ["c3", "bias"], ["s1"], "s1")
            .Node("AveragePool", ["s1"], ["p2"], "p2", Ints("kernel_shape", 2, 2), Ints("pads", 0, 1, 1, 0))
            .Node("Conv", ["x", "w1"], ["d1"], "d1", Ints("dilations", 2, 3), Ints("pads", 2, 3, 2, 3))
            .Node("GlobalAveragePool", ["s1"], ["g1"], "g1")
            .Output("p2", "d1", "g1")
            .Build();
        using var graph = Load(model);
        string[] tensors = ["c1", "r1", "c2", "p1", "c3", "s1", "p2", "d1", "g1"];

        var known = StaticShapes.Infer(graph, [1, 4, 23, 17], tensors);

        Assert.NotNull(known);
        AssertSameAsRun(graph, [1, 4, 23, 17], tensors, known);
    }

    [Fact]
    public void Infer_AnOperatorItDoesNotFollow_NullAndTheShapesComeFromARun()
    {
        // Given a Transpose (not followed) on the way to the tensor, and a pooling with ceil_mode
        var model = new OnnxGraphBuilder(13, "x", 1, 2, 7, 5)
            .Node("Transpose", ["x"], ["t"], "t", Ints("perm", 0, 1, 3, 2))
            .Node("MaxPool", ["x"], ["p"], "p", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1))
            .Output("t", "p")
            .Build();
        using var graph = Load(model);

        Assert.Null(StaticShapes.Infer(graph, [1, 2, 7, 5], ["t"]));
        Assert.Null(StaticShapes.Infer(graph, [1, 2, 7, 5], ["p"]));

        // The caller falls back to running the graph, which knows every operator.
        var shapes = TensorShapes.Infer(graph, ["t", "p"]);
        Assert.Equal([1L, 2, 5, 7], shapes["t"]);
        Assert.Equal([1L, 2, 4, 3], shapes["p"]);
    }

    [Fact]
    public void Infer_ConvolutionWeightOfRankOne_NullAndTheRunNamesTheNode()
    {
        // Given a hostile file whose convolution weight is a vector (a shape no convolution takes)
        var model = new OnnxGraphBuilder(13, "x", 1, 4, 8, 8)
            .Initializer("w", new float[4], 4)
            .Node("Conv", ["x", "w"], ["c"], "conv")
            .Output("c")
            .Build();
        using var graph = Load(model);

        // Then the static walk gives up instead of indexing past the weight's shape
        Assert.Null(StaticShapes.Infer(graph, [1, 4, 8, 8], ["c"]));

        // And the run's one-line error names the node
        var e = Assert.Throws<TenniException>(() => TensorShapes.Infer(graph, ["c"]));
        Assert.StartsWith("ONNX node 'conv' (Conv)", e.Message);
    }

    private static OnnxGraph Load(global::Onnx.ModelProto model) => OnnxGraph.FromModel(OnnxModelFile.Parse(model.ToByteArray()));

    private static void AssertSameAsRun(OnnxGraph graph, long[] input, string[] tensors, Dictionary<string, long[]> known)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var computed = graph.Run(zeros(input), tensors);
        foreach (string tensor in tensors)
        {
            Assert.True(computed[tensor].shape.SequenceEqual(known[tensor]), $"{tensor}: followed [{string.Join(", ", known[tensor])}], computed [{string.Join(", ", computed[tensor].shape)}]");
        }
    }
}
