using Tenni.Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// Chainer's ResNet layer names found from the graph's structure, whatever tool exported it:
/// <c>conv1</c> = the first ReLU, <c>pool1</c> = the first MaxPool, <c>res2</c>…<c>resN</c> = the last
/// residual block (a sum of two branches, with the ReLU after it if there is one) of each run of blocks
/// with the same output shape, <c>pool5</c> = the global pooling after the last block, flattened to
/// [N, channels], then <c>fc6</c> and <c>prob</c> when the graph has its classifier.
/// </summary>
internal static class ResNetLayout
{
    public static IReadOnlyList<LayerAlias> Resolve(OnnxGraph graph)
    {
        var s = new GraphStructure(graph);
        var nodes = s.Nodes;
        var firstRelu = nodes.FirstOrDefault(n => n.OpType == "Relu");
        var firstPool = nodes.FirstOrDefault(n => n.OpType == "MaxPool");
        var sums = nodes.Where(s.JoinsTwoBranches).ToList();
        if (sums.Count == 0 || firstRelu is null || firstPool is null)
        {
            throw new TenniException("the graph has no residual blocks (a sum of two branches after a max pooling); it does not look like a ResNet");
        }

        var blocks = sums.Select(n => s.Follow(n.Output[0], "Relu")).ToList();
        var shapes = TensorShapes.Infer(graph, blocks);
        var aliases = new List<LayerAlias> { new("conv1", firstRelu.Output[0]), new("pool1", firstPool.Output[0]) };
        int stage = 2;
        for (int i = 0; i < blocks.Count; i++)
        {
            bool lastOfStage = i == blocks.Count - 1 || !shapes[blocks[i]].SequenceEqual(shapes[blocks[i + 1]]);
            if (lastOfStage)
            {
                aliases.Add(new($"res{stage++}", blocks[i]));
            }
        }

        int lastBlock = s.IndexOf(sums[^1]);
        var pool = nodes.Skip(lastBlock).FirstOrDefault(n => n.OpType is "GlobalAveragePool" or "AveragePool");
        if (pool is null)
        {
            return aliases;
        }

        aliases.Add(new("pool5", pool.Output[0], Flatten: true));
        var fc = s.FullyConnected().FirstOrDefault(f => s.IndexOf(f.Node) > s.IndexOf(pool));
        if (fc.Output is not null)
        {
            aliases.Add(new("fc6", fc.Output));
            string prob = s.Follow(fc.Output, "Softmax");
            if (prob != fc.Output)
            {
                aliases.Add(new("prob", prob));
            }
        }

        return aliases;
    }
}
