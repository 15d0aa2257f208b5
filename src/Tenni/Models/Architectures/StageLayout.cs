using Tenni.Onnx;
using static TorchSharp.torch;

namespace Tenni.Models.Architectures;

/// <summary>
/// Stage names for any image classifier, found from the graph's structure and shapes (never from node
/// names): <c>stage1</c> … <c>stageN</c> are the last clean cut at each spatial resolution (the tensor
/// everything after it is computed from, just before the next downsampling), <c>pool</c> the last global
/// pooling that is a clean cut (a squeeze-and-excitation pool inside a block is not; without one, the
/// first flat cut, which the classifier reads), <c>logits</c> the classifier's output (the input of a
/// final Softmax, which is then <c>prob</c>).
/// </summary>
internal static class StageLayout
{
    public const string Pool = "pool";

    public static IReadOnlyList<LayerAlias> Resolve(OnnxGraph graph)
    {
        var nodes = graph.Nodes;
        var cuts = CleanCuts(graph, nodes);
        var shapes = ShapesOnZeros(graph, ShapesWanted(graph, nodes, cuts));
        int poolIndex = PoolIndex(cuts, nodes, shapes);
        var stageCuts = poolIndex < 0 ? cuts : cuts[..poolIndex];
        var aliases = LastAtEachResolution(stageCuts.Select(c => c.Tensor), shapes)
            .Select((tensor, i) => new LayerAlias($"stage{i + 1}", tensor)).ToList();
        string? pool = poolIndex < 0 ? null : cuts[poolIndex].Tensor;
        if (pool is not null)
        {
            aliases.Add(new LayerAlias(Pool, pool, Flatten: shapes[pool].Length > 2));
        }

        aliases.AddRange(Head(graph, nodes, pool, shapes));
        return aliases;
    }

    // Shapes of the cuts, what their nodes read (a pooling's input) and the output only: holding every
    // activation of a large network at once would cost far more memory than the stages do.
    private static string[] ShapesWanted(OnnxGraph graph, IReadOnlyList<OnnxNode> nodes, List<(int Node, string Tensor)> cuts) =>
        cuts.SelectMany(c => nodes[c.Node].Proto.Input.Where(graph.HasTensor).Append(c.Tensor))
            .Concat(graph.OutputNames.Take(1))
            .Concat(nodes.Where(n => n.OpType is "Softmax" or "LogSoftmax").Select(n => n.Proto.Input[0]))
            .Distinct().ToArray();

    // The last clean-cut global pooling; without one (VGG's classifier reads the flattened 7×7 map),
    // the first flat cut, which is the features the classifier reads.
    private static int PoolIndex(List<(int Node, string Tensor)> cuts, IReadOnlyList<OnnxNode> nodes, Dictionary<string, long[]> shapes)
    {
        int index = cuts.FindLastIndex(c => IsGlobalPool(nodes[c.Node], shapes));
        return index >= 0 ? index : cuts.FindIndex(c => shapes.TryGetValue(c.Tensor, out var s) && s.Length == 2);
    }

    /// <summary><c>logits</c> (unless it is the pool itself, as in a network without classifier) and <c>prob</c> after a final Softmax.</summary>
    private static IEnumerable<LayerAlias> Head(OnnxGraph graph, IReadOnlyList<OnnxNode> nodes, string? pool, Dictionary<string, long[]> shapes)
    {
        string output = graph.OutputNames[0];
        var last = nodes.LastOrDefault(n => n.Proto.Output.Contains(output));
        string logits = last is { OpType: "Softmax" or "LogSoftmax" } ? last.Proto.Input[0] : output;
        if (logits != pool)
        {
            yield return new LayerAlias("logits", logits, Flatten: shapes.TryGetValue(logits, out var s) && s.Length > 2);
        }

        if (logits != output)
        {
            yield return new LayerAlias("prob", output);
        }
    }

    /// <summary>Every input-dependent node output that alone carries the computation on (nothing produced earlier is read later).</summary>
    private static List<(int Node, string Tensor)> CleanCuts(OnnxGraph graph, IReadOnlyList<OnnxNode> nodes)
    {
        // Tensors computed from the image (constants and shape-free chains are not "live" activations).
        var dependent = new HashSet<string>(StringComparer.Ordinal) { graph.InputName };
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            var proto = nodes[i].Proto;
            foreach (string input in proto.Input.Where(dependent.Contains))
            {
                lastUse[input] = i;
            }

            if (proto.Input.Any(dependent.Contains))
            {
                dependent.UnionWith(proto.Output.Where(o => o.Length > 0));
            }
        }

        foreach (string output in graph.OutputNames)
        {
            lastUse[output] = int.MaxValue;
        }

        var cuts = new List<(int, string)>();
        var live = new HashSet<string>(StringComparer.Ordinal) { graph.InputName };
        for (int i = 0; i < nodes.Count; i++)
        {
            var proto = nodes[i].Proto;
            live.UnionWith(proto.Output.Where(o => dependent.Contains(o) && lastUse.GetValueOrDefault(o, -1) > i));
            live.RemoveWhere(t => lastUse.GetValueOrDefault(t, -1) <= i);
            if (live.Count == 1 && proto.Output.Count == 1 && live.Contains(proto.Output[0]))
            {
                cuts.Add((i, proto.Output[0]));
            }
        }

        return cuts;
    }

    private static IEnumerable<string> LastAtEachResolution(IEnumerable<string> tensors, Dictionary<string, long[]> shapes)
    {
        string? previous = null;
        foreach (string tensor in tensors.Where(t => shapes.TryGetValue(t, out var s) && s.Length == 4))
        {
            if (previous is not null && !shapes[previous][2..].SequenceEqual(shapes[tensor][2..]))
            {
                yield return previous;
            }

            previous = tensor;
        }

        if (previous is not null)
        {
            yield return previous;
        }
    }

    /// <summary>A pooling over all of H and W: GlobalAveragePool/GlobalMaxPool, ReduceMean/ReduceMax over axes 2 and 3, or a pooling down to 1×1.</summary>
    private static bool IsGlobalPool(OnnxNode node, Dictionary<string, long[]> shapes)
    {
        if (node.OpType is "GlobalAveragePool" or "GlobalMaxPool")
        {
            return true;
        }

        if (!shapes.TryGetValue(node.Proto.Input[0], out var input) || input.Length != 4 || input[2] * input[3] <= 1
            || !shapes.TryGetValue(node.Proto.Output[0], out var output))
        {
            return false;
        }

        return node.OpType switch
        {
            "ReduceMean" or "ReduceMax" => output.Length == 2 || (output.Length == 4 && output[2] == 1 && output[3] == 1),
            "AveragePool" or "MaxPool" => output.Length == 4 && output[2] == 1 && output[3] == 1,
            _ => false,
        };
    }

    /// <summary>The shapes of <paramref name="tensors"/> for one image of the size the graph declares (224 when symbolic), run in evaluation mode.</summary>
    private static Dictionary<string, long[]> ShapesOnZeros(OnnxGraph graph, IReadOnlyCollection<string> tensors)
    {
        long size = graph.InputShape.Count == 4 && graph.InputShape[2] > 0 ? graph.InputShape[2] : 224;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = graph.training;
        graph.eval();
        try
        {
            var outputs = graph.Run(zeros(1, 3, size, size), tensors);
            return outputs.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal);
        }
        finally
        {
            graph.train(wasTraining);
        }
    }
}
