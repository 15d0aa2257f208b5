namespace Tenni.Models.Architectures;

/// <summary>
/// Chainer's VGG16 layer names from the graph's structure, whatever tool exported it: the n-th
/// convolution of block b is <c>conv{b}_{n}</c> (after its ReLU), the max pooling ending block b is
/// <c>pool{b}</c>, the fully connected layers are <c>fc6</c>, <c>fc7</c> (after ReLU and dropout, as
/// in Chainer) and <c>fc8</c>, and the softmax after fc8 is <c>prob</c>.
/// </summary>
internal static class VggLayout
{
    public static IReadOnlyList<LayerAlias> Resolve(Onnx.OnnxGraph graph)
    {
        var s = new GraphStructure(graph);
        var aliases = new List<LayerAlias>();
        int block = 1, conv = 0, convs = 0, pools = 0;
        foreach (var node in s.Nodes)
        {
            if (node.OpType == "Conv")
            {
                conv++;
                convs++;
                aliases.Add(new($"conv{block}_{conv}", s.Follow(node.Output[0], "Relu")));
            }
            else if (node.OpType == "MaxPool")
            {
                pools++;
                aliases.Add(new($"pool{block++}", node.Output[0]));
                conv = 0;
            }
        }

        var fcs = s.FullyConnected();
        if (convs != 13 || pools != 5 || fcs.Count is 0 or > 3)
        {
            throw new TenniException($"the graph does not look like VGG16: it has {convs} convolutions, {pools} max poolings and {fcs.Count} fully connected layers (expected 13, 5 and up to 3)");
        }

        for (int i = 0; i < fcs.Count; i++)
        {
            string output = fcs[i].Output;
            bool last = i == 2;
            aliases.Add(new($"fc{6 + i}", last ? output : s.Follow(output, "Relu", "Dropout")));
            if (last && s.Follow(output, "Softmax") is var prob && prob != output)
            {
                aliases.Add(new("prob", prob));
            }
        }

        return aliases;
    }
}
