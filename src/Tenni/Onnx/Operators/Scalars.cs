using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

internal static class Scalars
{
    /// <summary>The value of a one-element tensor of any numeric type (ratios, clip bounds, pad values).</summary>
    public static double ToDouble(Tensor scalar)
    {
        using Tensor asDouble = scalar.to_type(ScalarType.Float64);
        return asDouble.item<double>();
    }
}
