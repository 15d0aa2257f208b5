using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Tenni.Tests.Support;

/// <summary>ONNX Runtime as the independent reference: runs a model on one float input.</summary>
internal static class OrtReference
{
    public static (float[] Values, long[] Shape) Run(byte[] model, string inputName, float[] input, long[] shape, string outputName)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        return Run(session, inputName, input, shape, outputName);
    }

    public static (float[] Values, long[] Shape) Run(InferenceSession session, string inputName, float[] input, long[] shape, string outputName)
    {
        var tensor = new DenseTensor<float>(input, shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)], [outputName]);
        var output = results.First().AsTensor<float>();
        return (output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }
}
