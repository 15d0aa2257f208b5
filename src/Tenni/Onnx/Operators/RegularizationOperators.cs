using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>Dropout: active only while the module trains, identity otherwise, whatever the file says.</summary>
internal static class RegularizationOperators
{
    public static OnnxKernel Dropout(OnnxNode node)
    {
        float attributeRatio = node.Float("ratio", 0.5f);
        bool wantsMask = node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0;
        return (inputs, mode) =>
        {
            Tensor x = inputs[0]!;
            double ratio = node.Opset >= 12 && inputs.Length > 1 && inputs[1] is { } r ? Scalars.ToDouble(r) : attributeRatio;
            if (!mode.Training || ratio == 0)
            {
                return wantsMask ? [x.alias(), ones_like(x, ScalarType.Bool)] : [x.alias()];
            }

            // Drawn from torch's generator, so one seed reproduces the masks.
            Tensor keep = rand_like(x) >= ratio;
            Tensor y = x * keep / (1 - ratio);
            return wantsMask ? [y, keep] : [y];
        };
    }
}
