using Google.Protobuf;
using Tenni.Native;
using Tenni.Onnx;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx;

public sealed class OnnxGraphTests
{
    public OnnxGraphTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void FromModel_UnsupportedOperator_FailsAtLoadNamingNodeAndOperator()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 2).Node("Relu", ["x"], ["r"]).Node("Einsum", ["r"], ["y"], "my_einsum").Output("y").Build();

        var error = Assert.Throws<TenniException>(() => OnnxGraph.FromModel(model));

        Assert.Contains("'my_einsum'", error.Message);
        Assert.Contains("'Einsum'", error.Message);
        Assert.Contains("Conv", error.Message); // lists what is supported
    }

    [Fact]
    public void BatchNormalization_SpatialZeroWithPerActivationStatistics_NamesTheNodeAndShape()
    {
        // Per-channel statistics with spatial=0 run (MXNet's files); per-activation ones [C, H, W] are refused.
        float[] ones = Enumerable.Repeat(1f, 2 * 3 * 3).ToArray();
        var builder = new OnnxGraphBuilder(7, "x", 1, 2, 3, 3);
        foreach (string name in new[] { "scale", "bias", "mean", "var" })
        {
            builder.Initializer(name, ones, 2, 3, 3);
        }

        var model = builder.Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], "bn_per_activation", Int("spatial", 0)).Output("y").Build();
        using var graph = OnnxGraph.FromModel(model);

        var error = Assert.Throws<TenniException>(() => graph.Run(zeros(1, 2, 3, 3), ["y"]));

        Assert.Contains("'bn_per_activation'", error.Message);
        Assert.Contains("[2, 3, 3]", error.Message);
    }

    [Fact]
    public void Run_EarlyTensorRequested_DoesNotRunLaterNodes()
    {
        // Given a graph whose last node cannot run on this input (648 values do not reshape to 7 rows)
        var model = new OnnxGraphBuilder(13, "x", 2, 4, 9, 9)
            .Initializer("shape", [7L, -1L], 2)
            .Node("Relu", ["x"], ["r"]).Node("Reshape", ["r", "shape"], ["y"]).Output("y").Build();
        using var graph = OnnxGraph.FromModel(model);
        using var scope = NewDisposeScope();
        Tensor x = randn(2, 4, 9, 9, generator: new Generator(1));

        // When only the early tensor is asked for, it is computed and the failing node never runs
        Tensor r = graph.Run(x, ["r"])["r"];
        Assert.Equal(x.relu().data<float>().ToArray(), r.data<float>().ToArray());

        // Then asking for the last tensor does run it (and fails), which proves the first call skipped it
        Assert.ThrowsAny<Exception>(() => graph.Run(x, ["y"]));
    }

    [Fact]
    public void Run_SeveralTensors_ReturnsEachByName()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 3).Node("Relu", ["x"], ["a"]).Node("Neg", ["a"], ["b"]).Output("b").Build();
        model.Graph.Node[1].OpType = "Sigmoid";
        using var graph = OnnxGraph.FromModel(model);
        using var scope = NewDisposeScope();
        var outputs = graph.Run(tensor(new[] { -1f, 0f, 2f }, [1, 3]), ["a", "b", "x"]);

        Assert.Equal([0f, 0f, 2f], outputs["a"].data<float>().ToArray());
        Assert.Equal(0.5f, outputs["b"].data<float>()[0]);
        Assert.Equal(-1f, outputs["x"].data<float>()[0]);
    }

    [Fact]
    public void Run_UnknownTensor_ListsNodeOutputs()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 3).Node("Relu", ["x"], ["a"]).Output("a").Build();
        using var graph = OnnxGraph.FromModel(model);

        var error = Assert.Throws<TenniException>(() => graph.Run(zeros(1, 3), ["nope"]));

        Assert.Contains("'nope'", error.Message);
        Assert.Contains("a", error.Message);
    }

    [Fact]
    public void Add_Opset6LegacyAxisBroadcast_AlignsSecondInputAtAxis()
    {
        // ONNX Runtime no longer runs opset-6 Add, so the expectation is computed by hand.
        var model = new OnnxGraphBuilder(6, "x", 1, 2, 1, 1)
            .Initializer("c", [10f, 20f], 2)
            .Node("Add", ["x", "c"], ["y"], null, Int("broadcast", 1), Int("axis", 1)).Output("y").Build();
        using var graph = OnnxGraph.FromModel(model);
        using var scope = NewDisposeScope();

        Tensor y = graph.Run(tensor(new[] { 1f, 2f }, [1, 2, 1, 1]), ["y"])["y"];

        Assert.Equal([11f, 22f], y.data<float>().ToArray());
    }

    [Fact]
    public void Layers_Initializers_BecomeParametersAndBuffersNamedByRole()
    {
        var model = BatchNormGraph();
        using var graph = OnnxGraph.FromModel(model);

        var names = graph.named_parameters().Select(p => p.name).ToArray();
        var buffers = graph.named_buffers().Select(b => b.name).ToArray();

        Assert.Equal(["conv.weight", "conv.bias", "bn.weight", "bn.bias"], names);
        Assert.Equal(["bn.running_mean", "bn.running_var"], buffers);
    }

    [Fact]
    public void HoldsBatchStatistics_ConvAndBatchNormalization_OnlyTheLayerWithRunningStatistics()
    {
        using var graph = OnnxGraph.FromModel(BatchNormGraph());

        Assert.False(graph.Layer("conv").HoldsBatchStatistics);
        Assert.True(graph.Layer("bn").HoldsBatchStatistics);
    }

    [Fact]
    public void UsesBatchStatistics_ConvAskedToUseThem_StaysFalse()
    {
        // Given a trainable convolution told to use batch statistics, as a caller might set it by mistake
        using var graph = OnnxGraph.FromModel(BatchNormGraph());
        graph.Layer("conv").BatchStatistics = true;

        // Then only the layer that has running statistics can use them
        Assert.False(graph.Layer("conv").UsesBatchStatistics);
        Assert.True(graph.Layer("bn").UsesBatchStatistics);
    }

    [Fact]
    public void IsStochastic_OperatorTable_OnlyDropout()
    {
        Assert.Equal(["Dropout"], OnnxOperatorTable.Supported.Where(OnnxOperatorTable.IsStochastic));
    }

    [Fact]
    public void BatchNormalization_TrainingAndTrainable_UsesBatchStatisticsAndUpdatesRunningOnes()
    {
        using var graph = OnnxGraph.FromModel(BatchNormGraph());
        using var scope = NewDisposeScope();
        Tensor x = randn(4, 2, 5, 5, generator: new Generator(3)) * 3 + 1;
        Tensor before = graph.Layer("bn").named_buffers().First(b => b.name == "running_mean").buffer.clone();

        graph.train();
        Tensor y = graph.Run(x, ["y"])["y"];

        // Batch statistics: each channel of the output has mean ≈ bias (0.5) over the batch
        Tensor channelMeans = y.mean([0, 2, 3]);
        Assert.All(channelMeans.data<float>().ToArray(), m => Assert.Equal(0.5f, m, 1e-4f));
        Assert.False(before.allclose(graph.Layer("bn").named_buffers().First(b => b.name == "running_mean").buffer, rtol: 0, atol: 0));
    }

    [Fact]
    public void BatchNormalization_TrainingButFrozen_KeepsRunningStatisticsAndMatchesEval()
    {
        using var graph = OnnxGraph.FromModel(BatchNormGraph());
        using var scope = NewDisposeScope();
        Tensor x = randn(4, 2, 5, 5, generator: new Generator(4));
        graph.Layer("bn").SetTrainable(false);
        Tensor runningMean = graph.Layer("bn").named_buffers().First(b => b.name == "running_mean").buffer;
        Tensor before = runningMean.clone();
        graph.eval();
        Tensor evalOutput = graph.Run(x, ["y"])["y"].detach().clone();

        graph.train();
        Tensor trainOutput = graph.Run(x, ["y"])["y"];

        Assert.True(before.allclose(runningMean, rtol: 0, atol: 0));
        Assert.True(evalOutput.allclose(trainOutput.detach(), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Dropout_TrainingMode_DropsAndRescales()
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 1000).Initializer("ratio", [0.5f]).Node("Dropout", ["x", "ratio"], ["y"]).Output("y").Build();
        using var graph = OnnxGraph.FromModel(model);
        using var scope = NewDisposeScope();
        manual_seed(7);

        graph.train();
        float[] y = graph.Run(ones(1, 1000), ["y"])["y"].data<float>().ToArray();

        Assert.All(y, v => Assert.True(v == 0f || v == 2f));
        Assert.InRange(y.Count(v => v == 0f), 400, 600);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("truncated")]
    [InlineData("not-onnx")]
    [InlineData("empty")]
    public void Load_BadFile_ThrowsOneLineErrorNamingTheFile(string kind)
    {
        string folder = Directory.CreateTempSubdirectory("tenni-bad-onnx").FullName;
        string path = Path.Combine(folder, "model.onnx");
        byte[] good = BatchNormGraph().ToByteArray();
        switch (kind)
        {
            case "truncated": File.WriteAllBytes(path, good[..(good.Length / 2)]); break;
            case "not-onnx": File.WriteAllText(path, "<html><body>404 Not Found</body></html>"); break;
            case "empty": File.WriteAllBytes(path, []); break;
        }

        var error = Assert.Throws<TenniException>(() => OnnxGraph.Load(path));

        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static global::Onnx.ModelProto BatchNormGraph() => new OnnxGraphBuilder(13, "x", 4, 2, 5, 5)
        .Initializer("w", OperatorCases.Random(2 * 2 * 3 * 3, 1), 2, 2, 3, 3).Initializer("b", [0.1f, -0.1f], 2)
        .Initializer("s", [1f, 1f], 2).Initializer("bb", [0.5f, 0.5f], 2).Initializer("m", [0f, 0f], 2).Initializer("v", [1f, 1f], 2)
        .Node("Conv", ["x", "w", "b"], ["c"], "conv", Ints("pads", 1, 1, 1, 1))
        .Node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["y"], "bn")
        .Output("y").Build();
}
