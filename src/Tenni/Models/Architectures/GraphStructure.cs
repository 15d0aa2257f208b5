using Onnx;
using Tenni.Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// The node-level structure layouts read to find Chainer's layer names: nodes in order, who consumes
/// each tensor, and fully connected layers whatever operators express them (Gemm, or MatMul + Add).
/// </summary>
internal sealed class GraphStructure
{
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, TorchSharp.torch.Tensor> _initializers;

    public GraphStructure(OnnxGraph graph)
    {
        Nodes = graph.Nodes.Select(n => n.Proto).ToList();
        _initializers = graph.Initializers;
        foreach (var node in Nodes)
        {
            foreach (string input in node.Input.Where(i => i.Length > 0).Distinct())
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(node);
            }
        }
    }

    public IReadOnlyList<NodeProto> Nodes { get; }

    public int IndexOf(NodeProto node) => Nodes.ToList().IndexOf(node);

    /// <summary>
    /// Walks forward from <paramref name="tensor"/> through each operator of <paramref name="chain"/> in
    /// turn while it is the tensor's only consumer; stops at the first that is not.
    /// </summary>
    public string Follow(string tensor, params string[] chain)
    {
        foreach (string op in chain)
        {
            if (_consumers.TryGetValue(tensor, out var consumers) && consumers.Count == 1 && consumers[0].OpType == op)
            {
                tensor = consumers[0].Output[0];
            }
        }

        return tensor;
    }

    /// <summary>Fully connected layers in order, each as its first node and the tensor holding its output (bias added).</summary>
    public IReadOnlyList<(NodeProto Node, string Output)> FullyConnected()
    {
        var result = new List<(NodeProto, string)>();
        foreach (var node in Nodes)
        {
            if (node.OpType == "Gemm")
            {
                result.Add((node, node.Output[0]));
            }
            else if (node.OpType == "MatMul" && node.Input.Skip(1).Any(_initializers.ContainsKey))
            {
                bool biased = _consumers.TryGetValue(node.Output[0], out var next) && next.Count == 1 && next[0].OpType == "Add" && next[0].Input.Any(_initializers.ContainsKey);
                result.Add((node, biased ? next![0].Output[0] : node.Output[0]));
            }
        }

        return result;
    }

    /// <summary>Whether the node combines two computed tensors (a residual sum), not a tensor and a constant (a bias).</summary>
    public bool JoinsTwoBranches(NodeProto node) =>
        node.OpType is "Add" or "Sum" && node.Input.Count(i => i.Length > 0 && !_initializers.ContainsKey(i)) >= 2;

    public static long[] Strides(NodeProto node) =>
        node.Attribute.FirstOrDefault(a => a.Name == "strides")?.Ints.ToArray() ?? [1, 1];
}
