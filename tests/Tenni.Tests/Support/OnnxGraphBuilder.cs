using Google.Protobuf;
using Onnx;

namespace Tenni.Tests.Support;

/// <summary>Builds small ONNX models in tests: one float input, nodes, initializers, named outputs.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new() { Name = "test" };
    private readonly long _opset;

    public OnnxGraphBuilder(long opset = 13, string input = "x", params long[] inputShape)
    {
        _opset = opset;
        _graph.Input.Add(ValueInfo(input, inputShape));
    }

    public OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs, string? name = null, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name ?? outputs[0] + "_node" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    public OnnxGraphBuilder Initializer(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        _graph.Initializer.Add(t);
        return this;
    }

    public OnnxGraphBuilder Initializer(string name, long[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = 7 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return this;
    }

    public OnnxGraphBuilder Output(params string[] names)
    {
        foreach (string name in names)
        {
            _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        }

        return this;
    }

    /// <summary>The model; <paramref name="producer"/> is what its exporter would write (Tenni reads the weight family from it).</summary>
    public ModelProto Build(string producer = "tenni-tests")
    {
        var model = new ModelProto { IrVersion = _opset >= 13 ? 7 : _opset >= 7 ? 4 : 3, ProducerName = producer, Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _opset });
        return model;
    }

    public byte[] Bytes() => Build().ToByteArray();

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Tensor(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t };
    }

    private static ValueInfoProto ValueInfo(string name, long[] shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto() };
        for (int i = 0; i < shape.Length; i++)
        {
            // A negative size is a symbolic dimension: any size at run time.
            tensorType.Shape.Dim.Add(shape[i] < 0 ? new TensorShapeProto.Types.Dimension { DimParam = $"d{i}" } : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
