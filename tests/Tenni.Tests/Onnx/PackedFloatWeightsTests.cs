using Google.Protobuf;
using Onnx;
using Tenni.Onnx;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx;

/// <summary>
/// Weights stored as packed float_data, parsed as views of the file's bytes (PackedFloatWeights): the
/// same model as Google.Protobuf's own parse, value for value; anything unexpected falls back to that
/// parse, never throws from the fast path.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PackedFloatWeightsTests
{
    [Fact]
    public void TryParse_FloatDataWeights_SameModelAsAPlainParse()
    {
        // Given a convolution's 4-D weight and bias as float_data, an int64 initializer and a raw_data one
        byte[] bytes = Model().ToByteArray();

        var plain = ModelProto.Parser.ParseFrom(bytes);
        var fast = PackedFloatWeights.TryParse(bytes);

        // Then every initializer holds the same values; the float_data ones now as raw_data views
        Assert.NotNull(fast);
        Assert.Equal(plain.Graph.Node, fast.Graph.Node);
        Assert.Equal(plain.Graph.Initializer.Count, fast.Graph.Initializer.Count);
        for (int i = 0; i < plain.Graph.Initializer.Count; i++)
        {
            TensorProto expected = plain.Graph.Initializer[i], actual = fast.Graph.Initializer[i];
            Assert.Equal(expected.Name, actual.Name);
            Assert.Equal(expected.Dims, actual.Dims);
            using var a = OnnxTensors.ToTorch(expected);
            using var b = OnnxTensors.ToTorch(actual);
            Assert.Equal(Values(a), Values(b));
            Assert.Empty(actual.FloatData);
        }

        Assert.False(fast.Graph.Initializer.Single(t => t.Name == "w").RawData.IsEmpty);
    }

    [Fact]
    public void Load_FromAFile_SameValuesAsParsingItsBytes()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("tenni-packed").FullName, "m.onnx");
        File.WriteAllBytes(file, Model().ToByteArray());

        var loaded = OnnxModelFile.Load(file);

        using var fromFile = OnnxTensors.ToTorch(loaded.Graph.Initializer.Single(t => t.Name == "w"));
        using var fromBytes = OnnxTensors.ToTorch(ModelProto.Parser.ParseFrom(File.ReadAllBytes(file)).Graph.Initializer.Single(t => t.Name == "w"));
        Assert.Equal(Values(fromBytes), Values(fromFile));
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public void Load_TruncatedFile_OneLineSaysItIsNotAReadableModel()
    {
        string folder = Directory.CreateTempSubdirectory("tenni-packed").FullName;
        string file = Path.Combine(folder, "cut.onnx");
        byte[] bytes = Model().ToByteArray();
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<TenniException>(() => OnnxModelFile.Load(file));

        Assert.StartsWith($"'{file}' is not a readable ONNX model (truncated or another format", e.Message);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void TryParse_EveryTruncationAndByteFlip_ReturnsNullOrAModelNeverThrows()
    {
        byte[] bytes = Model().ToByteArray();
        for (int cut = 0; cut < bytes.Length; cut += 3)
        {
            _ = PackedFloatWeights.TryParse(bytes.AsMemory(0, cut)); // must not throw
        }

        var random = new Random(7);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] flipped = (byte[])bytes.Clone();
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            _ = PackedFloatWeights.TryParse(flipped);
        }
    }

    [Fact]
    public void TryParse_FloatCountUnlikeDims_LeftToThePlainParseAndItsMessage()
    {
        // float_data of 2 values where the dims claim 3: not cut out, so the load's check names float_data
        var model = new OnnxGraphBuilder(13, "x", 1, 3).Initializer("w", [1f, 2f], 3).Node("Mul", ["x", "w"], ["y"]).Output("y").Build();

        var fast = PackedFloatWeights.TryParse(model.ToByteArray());
        var e = Assert.Throws<TenniException>(() => OnnxModelFile.Parse(model.ToByteArray(), "short.onnx"));

        Assert.Null(fast); // nothing else to cut out: the plain parse runs
        Assert.Contains("float_data holds 2", e.Message);
    }

    [Fact]
    public void ToTorch_ChannelsLast_SameValuesInTheChannelsLastLayout()
    {
        var random = new Random(3);
        float[] values = Enumerable.Range(0, 4 * 3 * 2 * 5).Select(_ => (float)random.NextDouble()).ToArray();
        var proto = new TensorProto { Name = "w", DataType = OnnxTensors.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.AddRange([4, 3, 2, 5]);

        using var plain = OnnxTensors.ToTorch(proto);
        using var channelsLast = OnnxTensors.ToTorch(proto, channelsLast: true);

        Assert.Equal(plain.shape, channelsLast.shape);
        Assert.Equal(Values(plain), Values(channelsLast));
        Assert.Equal([30L, 1, 15, 3], channelsLast.stride()); // NHWC memory: channels innermost
    }

    [Theory]
    [InlineData(4L, 1L, 3L, 3L)]
    [InlineData(4L, 3L, 1L, 1L)]
    public void ToTorch_ChannelsLastWithADimensionOf1_KeepsTheStoredStrides(long outputs, long inputs, long height, long width)
    {
        // Depthwise and 1×1 weights: both layouts are the same bytes, and libtorch computed ShuffleNet v2
        // wrong with the channels-last strides; the graph's own conversion keeps these as stored.
        float[] values = Enumerable.Range(0, (int)(outputs * inputs * height * width)).Select(i => (float)i).ToArray();
        var proto = new TensorProto { Name = "w", DataType = OnnxTensors.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.AddRange([outputs, inputs, height, width]);

        using var weight = OnnxTensors.ToTorch(proto, channelsLast: true);

        Assert.True(weight.is_contiguous());
        Assert.Equal(values.Select(v => (double)v), Values(weight));
    }

    private static double[] Values(Tensor value)
    {
        using var exact = value.to_type(ScalarType.Float64).contiguous();
        return exact.data<double>().ToArray();
    }

    // y = Reshape(Conv(x, w, b), shape) * s: a convolution weight and bias as float_data, an int64 and a raw_data initializer.
    private static ModelProto Model()
    {
        var random = new Random(1);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var model = new OnnxGraphBuilder(13, "x", 1, 3, 8, 8)
            .Initializer("w", Values(4 * 3 * 3 * 3), 4, 3, 3, 3)
            .Initializer("b", Values(4), 4)
            .Initializer("shape", [1L, -1L], 2)
            .Node("Conv", ["x", "w", "b"], ["c"])
            .Node("Reshape", ["c", "shape"], ["r"])
            .Node("Mul", ["r", "s"], ["y"])
            .Output("y")
            .Build();
        var scale = new TensorProto { Name = "s", DataType = OnnxTensors.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(2f)) };
        scale.Dims.Add(1);
        model.Graph.Initializer.Add(scale);
        return model;
    }
}
