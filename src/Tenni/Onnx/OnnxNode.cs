using Onnx;

namespace Tenni.Onnx;

/// <summary>One node of an ONNX graph as an operator sees it at load time: its attributes and opset.</summary>
internal sealed class OnnxNode
{
    private readonly Dictionary<string, AttributeProto> _attributes;

    internal OnnxNode(NodeProto proto, string layerName, long opset)
    {
        Proto = proto;
        LayerName = layerName;
        Opset = opset;
        _attributes = proto.Attribute.ToDictionary(a => a.Name);
    }

    public NodeProto Proto { get; }

    /// <summary>The node's name in the graph, or a generated one when the exporter left it empty.</summary>
    public string LayerName { get; }

    public string OpType => Proto.OpType;

    public long Opset { get; }

    /// <summary>Whether the node draws random numbers while the module trains (dropout), as the operator table declares.</summary>
    public bool IsStochastic => OnnxOperatorTable.IsStochastic(OpType);

    public bool Has(string name) => _attributes.ContainsKey(name);

    public long Int(string name, long fallback) => _attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => _attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string String(string name, string fallback) => _attributes.TryGetValue(name, out var a) ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => _attributes.TryGetValue(name, out var a) ? a.Ints.ToArray() : null;

    public float[]? Floats(string name) => _attributes.TryGetValue(name, out var a) ? a.Floats.ToArray() : null;

    public TensorProto? TensorAttribute(string name) => _attributes.TryGetValue(name, out var a) ? a.T : null;

    /// <summary>An error that names this node, for shapes or attributes the operator cannot run.</summary>
    public TenniException Error(string problem) => new($"ONNX node '{LayerName}' ({OpType}): {problem}");
}
