using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using Tenni.Imaging;

namespace Tenni.Models.Architectures;

/// <summary>
/// Writes an architecture as an ONNX graph (opset 11) whose weights come from a <see cref="WeightBinder"/>,
/// so that every weight format runs through the same executor, aliases and exporter as ONNX files do.
/// Each method adds one node named after its output and returns that output.
/// </summary>
internal sealed class GraphWriter
{
    public const long Opset = 11;

    private readonly GraphProto _graph;
    private readonly WeightBinder _weights;

    public GraphWriter(string name, WeightBinder weights, int size = Preprocessing.ImageNetSize)
    {
        _graph = new GraphProto { Name = name };
        _weights = weights;
        _graph.Input.Add(ValueInfo(Input, ["N", 3, size, size]));
    }

    public string Input => "data";

    public string Conv(string x, string name, string weightKey, string? biasKey, long outChannels, long inChannels, long kernel, long stride = 1, long pad = 0)
    {
        var inputs = new List<string> { x, Weight(weightKey, [outChannels, inChannels, kernel, kernel], name) };
        if (biasKey is not null)
        {
            inputs.Add(Weight(biasKey, [outChannels], name));
        }

        return Node("Conv", name, inputs, Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad));
    }

    /// <summary>Inference-form batch normalization with the four tensors under the given keys (scale, bias, mean, variance).</summary>
    public string BatchNorm(string x, string name, (string Scale, string Bias, string Mean, string Variance) keys, long channels, float epsilon) =>
        Node("BatchNormalization", name, [x, Weight(keys.Scale, [channels], name), Weight(keys.Bias, [channels], name), Weight(keys.Mean, [channels], name), Weight(keys.Variance, [channels], name)], Float("epsilon", epsilon));

    public string Relu(string x, string name) => Node("Relu", name, [x]);

    public string MaxPool(string x, string name, long kernel, long stride, long pad = 0, bool ceil = false) =>
        Node("MaxPool", name, [x], Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad), Int("ceil_mode", ceil ? 1 : 0));

    public string AveragePool(string x, string name, long kernel, long stride) =>
        Node("AveragePool", name, [x], Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride));

    public string GlobalAveragePool(string x, string name) => Node("GlobalAveragePool", name, [x]);

    /// <summary>ONNX LRN: x / (bias + alpha / size · Σ x²)^beta over <paramref name="size"/> channels (Caffe's convention).</summary>
    public string Lrn(string x, string name, long size, float alpha, float beta, float bias) =>
        Node("LRN", name, [x], Int("size", size), Float("alpha", alpha), Float("beta", beta), Float("bias", bias));

    public string Add(string a, string b, string name) => Node("Add", name, [a, b]);

    public string Concat(IEnumerable<string> inputs, string name) => Node("Concat", name, inputs.ToList(), Int("axis", 1));

    public string Flatten(string x, string name) => Node("Flatten", name, [x], Int("axis", 1));

    /// <summary>A fully connected layer y = x Wᵀ + b with W stored [out, in], as Chainer, Caffe and torchvision store it.</summary>
    public string Linear(string x, string name, string weightKey, string biasKey, long outputs, long inputs) =>
        Node("Gemm", name, [x, Weight(weightKey, [outputs, inputs], name), Weight(biasKey, [outputs], name)], Int("transB", 1));

    public string Dropout(string x, string name, float ratio) => Node("Dropout", name, [x], Float("ratio", ratio));

    public string Softmax(string x, string name) => Node("Softmax", name, [x], Int("axis", 1));

    public ModelProto Build(string output, string docString)
    {
        _graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var model = new ModelProto { IrVersion = 6, ProducerName = "tenni", Graph = _graph, DocString = docString };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    private string Weight(string key, long[] shape, string layer)
    {
        float[] values = _weights.Take(key, shape, layer);
        var tensor = new TensorProto { Name = key, DataType = 1, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(shape);
        _graph.Initializer.Add(tensor);
        return key;
    }

    private string Node(string op, string name, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return name;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static ValueInfoProto ValueInfo(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dim.Add(d is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}
