using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace Tenni.Tests.Support;

/// <summary>Runs a model in ONNX Runtime with any of its intermediate tensors exposed as outputs.</summary>
internal static class OrtOutputs
{
    public static Dictionary<string, float[]> Run(ModelProto model, float[] input, long[] shape, IReadOnlyCollection<string> tensors)
    {
        var copy = model.Clone();
        foreach (string name in tensors.Where(t => copy.Graph.Output.All(o => o.Name != t)))
        {
            copy.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        }

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(copy.ToByteArray(), options);
        string inputName = copy.Graph.Input.First(i => copy.Graph.Initializer.All(t => t.Name != i.Name)).Name;
        var tensor = new DenseTensor<float>(input, shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)], tensors.ToArray());
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }
}
