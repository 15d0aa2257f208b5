using Onnx;
using static TorchSharp.torch;

namespace Tenni.Onnx;

/// <summary>
/// An inference-only copy of the nodes that compute some tensors of a graph whose layers there are frozen
/// (evaluation-mode BatchNorm, no dropout): each BatchNormalization that only normalizes a convolution's
/// output is folded into that convolution's weights and bias, and the copy's parameters are cast to the
/// precision asked for. The copy holds the graph's current values (a parent run's weights included),
/// keeps the original tensor names for everything that is asked for, and is never trained.
/// </summary>
internal static class FrozenGraphBuilder
{
    /// <summary>Builds the copy computing <paramref name="outputs"/> from the image input.</summary>
    public static (OnnxGraph Graph, int Folded) Build(OnnxGraph graph, IReadOnlyCollection<string> outputs, ScalarType dtype)
    {
        var nodes = outputs.SelectMany(graph.NodesUpTo).Distinct().OrderBy(IndexIn(graph)).ToList();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (string input in node.Proto.Input.Where(graph.Initializers.ContainsKey))
            {
                tensors[input] = graph.Initializers[input];
            }
        }

        var protos = nodes.Select(n => n.Proto).ToList();
        var made = new List<Tensor>();
        using (no_grad())
        {
            FoldBatchNorms(nodes, protos, tensors, outputs.ToHashSet(StringComparer.Ordinal), made);
        }

        var model = new ModelProto { IrVersion = 7, Graph = new GraphProto { Name = "frozen" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = graph.Opset });
        model.Graph.Input.Add(graph.InputInfo);
        model.Graph.Node.AddRange(protos);
        foreach (string output in outputs)
        {
            model.Graph.Output.Add(new ValueInfoProto { Name = output });
        }

        try
        {
            var copy = OnnxGraph.FromTensors(model, tensors, graph.ChannelsLast, dtype);
            copy.eval(); // inference only: BatchNorm on running statistics, no dropout, no gradients
            foreach (var parameter in copy.parameters())
            {
                parameter.requires_grad = false;
            }

            return (copy, made.Count / 2);
        }
        finally
        {
            foreach (Tensor tensor in made)
            {
                tensor.Dispose(); // the graph holds copies
            }

            // Not trimmed: the first batch's activations reuse this memory. Given back to the system, it
            // would be faulted in again at ≈ 5 ms per MB (docs/benchmarks.md, startup).
        }
    }

    private static Func<OnnxNode, int> IndexIn(OnnxGraph graph)
    {
        var order = graph.Nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        return n => order[n];
    }

    // y = γ·(x − μ)/√(σ² + ε) + β over x = W∗input + b is the convolution with W·s and (b − μ)·s + β, s = γ/√(σ² + ε)
    // per output channel (the same algebra as torch.fx's fuse_conv_bn_eval). Only where the convolution's
    // output goes to nothing else and is not asked for itself.
    private static void FoldBatchNorms(List<OnnxNode> nodes, List<NodeProto> protos, Dictionary<string, Tensor> tensors, HashSet<string> outputs, List<Tensor> made)
    {
        var consumers = nodes.SelectMany(n => n.Proto.Input).Where(i => i.Length > 0).GroupBy(i => i, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (string output in nodes[i].Proto.Output)
            {
                producer[output] = i;
            }
        }

        var removed = new HashSet<int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            OnnxNode norm = nodes[i];
            if (norm.OpType != "BatchNormalization" || norm.Proto.Output.Skip(1).Any(o => o.Length > 0)
                || (norm.Opset < 9 && norm.Int("spatial", 1) == 0 && tensors.TryGetValue(norm.Proto.Input[1], out var s) && s.dim() != 1)
                || !producer.TryGetValue(norm.Proto.Input[0], out int c) || nodes[c].OpType != "Conv"
                || consumers[norm.Proto.Input[0]] != 1 || outputs.Contains(norm.Proto.Input[0])
                || !norm.Proto.Input.Skip(1).Take(4).All(tensors.ContainsKey)
                || !tensors.ContainsKey(nodes[c].Proto.Input[1]) || (nodes[c].Proto.Input.Count > 2 && nodes[c].Proto.Input[2].Length > 0 && !tensors.ContainsKey(nodes[c].Proto.Input[2])))
            {
                continue;
            }

            using var scope = NewDisposeScope(); // one layer's temporaries at a time
            NodeProto conv = protos[c].Clone();
            Tensor weight = tensors[conv.Input[1]];
            var (gamma, beta, mean, variance) = (tensors[norm.Proto.Input[1]], tensors[norm.Proto.Input[2]], tensors[norm.Proto.Input[3]], tensors[norm.Proto.Input[4]]);
            Tensor scale = gamma.to_type(ScalarType.Float64) / (variance.to_type(ScalarType.Float64) + norm.Float("epsilon", 1e-5f)).sqrt();
            Tensor bias = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? tensors[conv.Input[2]].to_type(ScalarType.Float64) : zeros_like(mean, ScalarType.Float64);
            string name = $"{conv.Output[0]}::folded";
            // The weight is scaled in float32 (one rounding, as torch.fx does), keeping its layout: a float64 copy
            // of every weight was 94 MB of fresh memory for ResNet18, ≈ 0.5 s on the project's machine.
            tensors[$"{name}.weight"] = Keep(weight * scale.to_type(ScalarType.Float32).view(-1, 1, 1, 1), made);
            tensors[$"{name}.bias"] = Keep((((bias - mean.to_type(ScalarType.Float64)) * scale) + beta.to_type(ScalarType.Float64)).to_type(ScalarType.Float32), made);
            while (conv.Input.Count < 3)
            {
                conv.Input.Add("");
            }

            conv.Input[1] = $"{name}.weight";
            conv.Input[2] = $"{name}.bias";
            conv.Output[0] = norm.Proto.Output[0];
            protos[c] = conv;
            removed.Add(i);
        }

        for (int i = protos.Count - 1; i >= 0; i--)
        {
            if (removed.Contains(i))
            {
                protos.RemoveAt(i);
            }
        }
    }

    private static Tensor Keep(Tensor tensor, List<Tensor> made)
    {
        made.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }
}
