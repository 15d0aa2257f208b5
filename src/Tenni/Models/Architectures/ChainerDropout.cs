using Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// Chainer's VGG16 <c>fc6</c> and <c>fc7</c> end in dropout (ratio 0.5). Files exported for inference
/// (torch.onnx.export in eval mode, most converters) drop those nodes; this puts them back after the
/// ReLU of the first two fully connected layers, so training from any VGG16 file regularizes as the
/// chapter does. Dropout is the identity outside training, so inference is unchanged.
/// </summary>
internal static class ChainerDropout
{
    public static ModelProto AddToFirstFullyConnected(ModelProto model, int count, float ratio)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (Input: i, Node: n))).ToLookup(p => p.Input, p => p.Node, StringComparer.Ordinal);
        var fullyConnected = graph.Node
            .Where(n => n.OpType == "Gemm" || (n.OpType == "MatMul" && n.Input.Skip(1).Any(initializers.Contains)))
            .Take(count)
            .ToList();
        foreach (var fc in fullyConnected)
        {
            string output = fc.Output[0];
            if (fc.OpType == "MatMul" && consumers[output].ToList() is [{ OpType: "Add" } add])
            {
                output = add.Output[0];
            }

            if (consumers[output].ToList() is not [{ OpType: "Relu" } relu] || consumers[relu.Output[0]].Any(n => n.OpType == "Dropout"))
            {
                continue;
            }

            string activated = relu.Output[0];
            string dropped = activated + "_tenni_dropout";
            foreach (var node in consumers[activated])
            {
                for (int i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == activated)
                    {
                        node.Input[i] = dropped;
                    }
                }
            }

            var dropout = new NodeProto { OpType = "Dropout", Name = dropped };
            dropout.Input.Add(activated);
            dropout.Output.Add(dropped);
            long opset = Onnx.OnnxModelFile.DefaultOpset(model);
            if (opset < 12)
            {
                dropout.Attribute.Add(new AttributeProto { Name = "ratio", Type = AttributeProto.Types.AttributeType.Float, F = ratio });
            }
            else
            {
                var ratioTensor = new TensorProto { Name = dropped + "_ratio", DataType = 1 };
                ratioTensor.FloatData.Add(ratio);
                graph.Initializer.Add(ratioTensor);
                dropout.Input.Add(ratioTensor.Name);
            }

            graph.Node.Insert(graph.Node.IndexOf(relu) + 1, dropout);
        }

        return model;
    }
}
