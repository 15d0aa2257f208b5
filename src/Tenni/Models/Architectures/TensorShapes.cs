using Tenni.Imaging;
using Tenni.Onnx;
using static TorchSharp.torch;

namespace Tenni.Models.Architectures;

/// <summary>
/// Shapes of graph tensors for one image: followed through the operators' attributes where
/// <see cref="StaticShapes"/> knows them all, else found by running the graph once on zeros.
/// </summary>
internal static class TensorShapes
{
    public static Dictionary<string, long[]> Infer(OnnxGraph graph, IReadOnlyCollection<string> tensors)
    {
        const int size = Preprocessing.ImageNetSize;
        long[] shape = graph.InputShape.Count == 4 ? [1, .. graph.InputShape.Skip(1).Select(d => d > 0 ? d : size)] : [1, 3, size, size];

        // The input's size is the file's claim: an image of 100000 × 100000 would exhaust memory here.
        if (shape.Aggregate(1.0, (p, d) => p * d) > OnnxLimits.MaxTensorElements)
        {
            throw new TenniException(
                $"the ONNX graph's input '{graph.InputName}' is declared [{string.Join(", ", graph.InputShape)}], more than {OnnxLimits.MaxTensorElements} elements per image; expected an image input such as [1, 3, 224, 224]");
        }

        if (StaticShapes.Infer(graph, shape, tensors) is { } known)
        {
            return known;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = graph.training;
        graph.eval();
        try
        {
            var outputs = graph.Run(zeros(shape), tensors);
            return outputs.ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        }
        finally
        {
            graph.train(wasTraining);
        }
    }
}
