using Tenni.Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// Chainer's ResNet layer names found from the graph's structure, whatever tool exported it:
/// <c>conv1</c> = the first ReLU, <c>pool1</c> = the first MaxPool, <c>res2</c>…<c>resN</c> = the last
/// residual block (an Add followed by a ReLU) of each run of blocks with the same output shape, and
/// <c>pool5</c> = the global pooling after the last block, flattened to [N, channels].
/// </summary>
internal static class ResNetLayout
{
    public static IReadOnlyList<LayerAlias> Resolve(OnnxGraph graph)
    {
        var nodes = graph.Nodes.Select(n => n.Proto).ToList();
        string conv1 = nodes.First(n => n.OpType == "Relu").Output[0];
        string pool1 = nodes.First(n => n.OpType == "MaxPool").Output[0];
        var adds = nodes.Where(n => n.OpType == "Add").Select(n => n.Output[0]).ToHashSet();
        var blocks = nodes.Where(n => n.OpType == "Relu" && adds.Contains(n.Input[0])).Select(n => n.Output[0]).ToList();
        if (blocks.Count == 0)
        {
            throw new TenniException("the graph has no residual blocks (Add followed by Relu); it does not look like a ResNet");
        }

        var shapes = TensorShapes.Infer(graph, blocks);
        var aliases = new List<LayerAlias> { new("conv1", conv1), new("pool1", pool1) };
        int stage = 2;
        for (int i = 0; i < blocks.Count; i++)
        {
            bool lastOfStage = i == blocks.Count - 1 || !shapes[blocks[i]].SequenceEqual(shapes[blocks[i + 1]]);
            if (lastOfStage)
            {
                aliases.Add(new($"res{stage++}", blocks[i]));
            }
        }

        int lastBlock = nodes.FindIndex(n => n.Output.Contains(blocks[^1]));
        var pool = nodes.Skip(lastBlock).FirstOrDefault(n => n.OpType is "GlobalAveragePool" or "AveragePool");
        if (pool is not null)
        {
            aliases.Add(new("pool5", pool.Output[0], Flatten: true));
        }

        return aliases;
    }
}
