namespace Tenni.Models.Architectures;

/// <summary>
/// Chainer's GoogLeNet layer names from the graph's structure: the first three ReLUs are <c>conv1</c>,
/// <c>conv2_reduce</c> and <c>conv2</c> (with its LRN, if any), the max poolings with stride 2 are
/// <c>pool1</c> (with its LRN) … <c>pool4</c>, the nine concatenations are <c>inception_3a</c> …
/// <c>inception_5b</c> (with the ReLU after them, if any), the average pooling after them is
/// <c>pool5</c>, then <c>loss3_fc</c> and <c>prob</c>.
/// </summary>
internal static class GoogLeNetLayout
{
    private static readonly string[] Inceptions = ["3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"];

    public static IReadOnlyList<LayerAlias> Resolve(Onnx.OnnxGraph graph)
    {
        var s = new GraphStructure(graph);
        var found = new List<(int Index, LayerAlias Alias)>();
        string[] stem = ["conv1", "conv2_reduce", "conv2"];
        var relus = s.Nodes.Where(n => n.OpType == "Relu").Take(3).ToList();
        var pools = s.Nodes.Where(n => n.OpType == "MaxPool" && GraphStructure.Strides(n).Any(v => v > 1)).ToList();
        // Concatenations before pool2 are not inception modules (torchvision's transform_input is one).
        int afterStem = pools.Count > 1 ? s.IndexOf(pools[1]) : 0;
        var concats = s.Nodes.Skip(afterStem).Where(n => n.OpType == "Concat").ToList();
        if (relus.Count < 3 || pools.Count != 4 || concats.Count != Inceptions.Length)
        {
            throw new TenniException($"the graph does not look like GoogLeNet: it has {pools.Count} max poolings with stride 2 and {concats.Count} concatenations (expected 4 and 9)");
        }

        for (int i = 0; i < 3; i++)
        {
            found.Add((s.IndexOf(relus[i]), new(stem[i], s.Follow(relus[i].Output[0], "LRN"))));
        }

        for (int i = 0; i < 4; i++)
        {
            found.Add((s.IndexOf(pools[i]), new($"pool{i + 1}", s.Follow(pools[i].Output[0], "LRN"))));
        }

        for (int i = 0; i < concats.Count; i++)
        {
            found.Add((s.IndexOf(concats[i]), new($"inception_{Inceptions[i]}", s.Follow(concats[i].Output[0], "Relu"))));
        }

        int lastConcat = s.IndexOf(concats[^1]);
        var pool5 = s.Nodes.Skip(lastConcat).FirstOrDefault(n => n.OpType is "AveragePool" or "GlobalAveragePool");
        if (pool5 is not null)
        {
            found.Add((s.IndexOf(pool5), new("pool5", pool5.Output[0])));
            var fc = s.FullyConnected().FirstOrDefault(f => s.IndexOf(f.Node) > s.IndexOf(pool5));
            if (fc.Output is not null)
            {
                found.Add((s.IndexOf(fc.Node), new("loss3_fc", fc.Output)));
                string prob = s.Follow(fc.Output, "Softmax");
                if (prob != fc.Output)
                {
                    found.Add((int.MaxValue, new("prob", prob)));
                }
            }
        }

        return found.OrderBy(f => f.Index).Select(f => f.Alias).ToArray();
    }
}
