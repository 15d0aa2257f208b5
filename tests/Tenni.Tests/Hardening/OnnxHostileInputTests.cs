using Google.Protobuf;
using Onnx;
using Tenni.Models.Architectures;
using Tenni.Onnx;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Tenni.Tests.Hardening;

/// <summary>ONNX files whose claims (dims, attributes, producers) do not hold: refused at load with a one-line reason.</summary>
[Collection(TorchCollection.Name)]
public sealed class OnnxHostileInputTests
{
    [Fact]
    public void Parse_InitializerDimsOf2To40_RefusedBeforeAllocating()
    {
        // Given an initializer that claims 2^40 elements and carries 2
        var model = new OnnxGraphBuilder(13, "x", 1, 2)
            .Initializer("w", [1f, 2f], 1L << 40)
            .Node("Mul", ["x", "w"], ["y"])
            .Output("y")
            .Build();

        var e = Assert.Throws<TenniException>(() => OnnxModelFile.Parse(model.ToByteArray(), "huge.onnx"));

        Assert.Contains("initializer 'w' has dims [1099511627776] (1099511627776 elements) but float_data holds 2", e.Message);
    }

    [Fact]
    public void Parse_RawDataShorterThanDims_RefusedNamingBoth()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 2).Node("Mul", ["x", "w"], ["y"]).Output("y").Build();
        var w = new TensorProto { Name = "w", DataType = 1, RawData = ByteString.CopyFrom(new byte[6]) };
        w.Dims.Add(2);
        model.Graph.Initializer.Add(w);

        var e = Assert.Throws<TenniException>(() => OnnxModelFile.Parse(model.ToByteArray(), "raw.onnx"));

        Assert.Contains("raw_data", e.Message);
    }

    [Fact]
    public void Parse_TwoNodesWritingTheSameOutput_Refused()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 2)
            .Node("Relu", ["x"], ["y"], "first")
            .Node("Sigmoid", ["x"], ["y"], "second")
            .Output("y")
            .Build();

        var e = Assert.Throws<TenniException>(() => OnnxModelFile.Parse(model.ToByteArray(), "twice.onnx"));

        Assert.Contains("tensor 'y' is written by both node 'first' (Relu) and node 'second' (Sigmoid)", e.Message);
    }

    [Fact]
    public void Parse_ConstantNodeWithExternalData_RefusedLikeAnInitializer()
    {
        var value = new TensorProto { Name = "c", DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        value.Dims.Add(2);
        value.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
        var constant = new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value };
        var model = new OnnxGraphBuilder(13, "x", 1, 2)
            .Node("Constant", [], ["c"], "const", constant)
            .Node("Mul", ["x", "c"], ["y"])
            .Output("y")
            .Build();

        var e = Assert.Throws<TenniException>(() => OnnxModelFile.Parse(model.ToByteArray(), "external.onnx"));

        Assert.Contains("keeps attribute 'value' of node 'const' (Constant) in external data files", e.Message);
    }

    [Fact]
    public void Run_PadOfAMillionOnEachSide_RefusedBeforePadding()
    {
        // Given a Pad (opset 2 keeps pads in an attribute) that would make a 2e6 × 2e6 image
        var model = new OnnxGraphBuilder(2, "x", 1, 1, 4, 4)
            .Node("Pad", ["x"], ["y"], "pad", Ints("pads", 0, 0, 1_000_000, 1_000_000, 0, 0, 1_000_000, 1_000_000))
            .Output("y")
            .Build();
        using var graph = OnnxGraph.FromModel(OnnxModelFile.Parse(model.ToByteArray()));

        // When the shape probe runs it on one image
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TenniException>(() => graph.Run(zeros(1, 1, 4, 4), ["y"]));

        // Then the node is named with its output size and the limit
        Assert.Contains("ONNX node 'pad' (Pad)", e.Message);
        Assert.Contains($"at most {OnnxLimits.MaxTensorElements}", e.Message);
    }

    [Fact]
    public void Run_ReshapeToATargetThatDoesNotFit_NamesTheNode()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 1, 4, 4)
            .Initializer("shape", [3L, 7], 2)
            .Node("Reshape", ["x", "shape"], ["y"], "reshape")
            .Output("y")
            .Build();
        using var graph = OnnxGraph.FromModel(OnnxModelFile.Parse(model.ToByteArray()));

        using var scope = NewDisposeScope();
        var e = Assert.Throws<TenniException>(() => graph.Run(zeros(1, 1, 4, 4), ["y"]));

        Assert.StartsWith("ONNX node 'reshape' (Reshape): cannot run on inputs of shapes [1, 1, 4, 4], [2]", e.Message);
    }

    [Fact]
    public void Infer_InputDeclaredAsAHugeImage_RefusedBeforeTheShapeProbeAllocates()
    {
        // Given a graph whose input claims a 100000 × 100000 image (120 GB of zeros for the probe)
        var model = new OnnxGraphBuilder(13, "x", 1, 3, 100_000, 100_000).Node("Relu", ["x"], ["y"]).Output("y").Build();
        using var graph = OnnxGraph.FromModel(OnnxModelFile.Parse(model.ToByteArray()));

        var e = Assert.Throws<TenniException>(() => TensorShapes.Infer(graph, ["y"]));

        Assert.Contains("input 'x' is declared [1, 3, 100000, 100000]", e.Message);
    }

    [Fact]
    public void Parse_GraphWithoutOutputs_Refused()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 2).Node("Relu", ["x"], ["y"]).Build();

        var e = Assert.Throws<TenniException>(() => OnnxModelFile.Parse(model.ToByteArray(), "mute.onnx"));

        Assert.Contains("declares no outputs", e.Message);
    }
}
