using Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// torchvision's pretrained GoogLeNet has <c>transform_input</c>: its forward turns ImageNet-normalized input
/// into (p − 0.5) / 0.5 per channel (Gather/Unsqueeze/Mul/Add per channel, then Concat) before conv1, and
/// torch.onnx.export keeps those nodes. Tenni's torchvision preprocessing for GoogLeNet already gives
/// (p − 0.5) / 0.5 (as for the .pth file, which has no such nodes), so the nodes are removed: the same image
/// then reaches conv1 with the same values whichever file it came from.
/// </summary>
internal static class TorchvisionInputTransform
{
    // What the transform is made of; a prefix with any other operator is left alone.
    private static readonly HashSet<string> PrefixOperators =
        ["Gather", "Slice", "Split", "Unsqueeze", "Squeeze", "Reshape", "Mul", "Add", "Sub", "Div", "Concat", "Constant", "Identity", "Cast"];

    public static ModelProto Remove(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        string? input = graph.Input.Select(i => i.Name).FirstOrDefault(n => !initializers.Contains(n));
        var firstConv = graph.Node.FirstOrDefault(n => n.OpType == "Conv");

        // Only PyTorch's export holds torchvision's transform; another tool's prefix (a channel swap, a mean) stays.
        bool fromPyTorch = model.ProducerName.Contains("pytorch", StringComparison.OrdinalIgnoreCase);
        if (!fromPyTorch || input is null || firstConv is null || firstConv.Input[0] == input)
        {
            return model;
        }

        var prefix = graph.Node.TakeWhile(n => n != firstConv).ToList();
        var producers = prefix.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n, StringComparer.Ordinal);
        var ancestors = Ancestors(firstConv.Input[0], producers);
        bool isTransform = ancestors.Count > 0
            && ancestors.All(n => PrefixOperators.Contains(n.OpType))
            && ancestors.Any(n => n.OpType == "Concat")
            && ancestors.SelectMany(n => n.Input).Any(i => i == input)
            && !UsedOutside(ancestors, graph, firstConv);
        if (!isTransform)
        {
            return model;
        }

        foreach (var node in ancestors)
        {
            graph.Node.Remove(node);
        }

        firstConv.Input[0] = input;
        return model;
    }

    private static HashSet<NodeProto> Ancestors(string tensor, Dictionary<string, NodeProto> producers)
    {
        var found = new HashSet<NodeProto>();
        var pending = new Stack<string>([tensor]);
        while (pending.TryPop(out string? name))
        {
            if (producers.TryGetValue(name, out var node) && found.Add(node))
            {
                foreach (string i in node.Input)
                {
                    pending.Push(i);
                }
            }
        }

        return found;
    }

    // An output read by anything but the transform itself and conv1 means the prefix is more than the transform.
    private static bool UsedOutside(HashSet<NodeProto> ancestors, GraphProto graph, NodeProto firstConv)
    {
        var outputs = ancestors.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        return graph.Node.Where(n => !ancestors.Contains(n) && n != firstConv).Any(n => n.Input.Any(outputs.Contains))
            || graph.Output.Any(o => outputs.Contains(o.Name));
    }
}
