using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Tenni.Onnx.Operators;

/// <summary>
/// The activations of mobile and efficient networks: HardSigmoid and HardSwish (MobileNetV3), PRelu,
/// Elu, Selu, Celu, Softplus, Softsign, ThresholdedRelu, Pow. Each follows the ONNX formula and
/// defaults, which differ from torch's (HardSigmoid's alpha is 0.2 in ONNX, 1/6 in torch).
/// </summary>
internal static class SmoothActivationOperators
{
    public static OnnxKernel HardSigmoid(OnnxNode node)
    {
        double alpha = node.Float("alpha", 0.2f);
        double beta = node.Float("beta", 0.5f);
        return (inputs, _) => [((inputs[0]! * alpha) + beta).clamp(0, 1)];
    }

    /// <summary>HardSwish (opset 14): x · max(0, min(1, x/6 + 1/2)).</summary>
    public static OnnxKernel HardSwish(OnnxNode node) => (inputs, _) => [F.hardswish(inputs[0]!)];

    /// <summary>PRelu: the slope broadcasts unidirectionally to x (a per-channel [C, 1, 1] as exporters write it).</summary>
    public static OnnxKernel PRelu(OnnxNode node) => (inputs, _) =>
    {
        Tensor x = inputs[0]!;
        return [where(x.lt(0), x * inputs[1]!, x)];
    };

    public static OnnxKernel Elu(OnnxNode node)
    {
        double alpha = node.Float("alpha", 1f);
        return (inputs, _) => [F.elu(inputs[0]!, alpha)];
    }

    public static OnnxKernel Celu(OnnxNode node)
    {
        double alpha = node.Float("alpha", 1f);
        return (inputs, _) => [F.celu(inputs[0]!, alpha)];
    }

    /// <summary>Selu with ONNX's constants (written to float precision in the spec).</summary>
    public static OnnxKernel Selu(OnnxNode node)
    {
        double alpha = node.Float("alpha", 1.67326319217681884765625f);
        double gamma = node.Float("gamma", 1.05070102214813232421875f);
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            return [where(x.gt(0), x, (x.exp() * alpha) - alpha) * gamma];
        };
    }

    /// <summary>Gelu (opset 20): exact (erf) or the tanh approximation.</summary>
    public static OnnxKernel Gelu(OnnxNode node)
    {
        string approximate = node.String("approximate", "none");
        return approximate switch
        {
            "none" => (inputs, _) => [inputs[0]! * 0.5 * ((inputs[0]! * Math.Sqrt(0.5)).erf() + 1)],
            "tanh" => (inputs, _) =>
            {
                Tensor x = inputs[0]!;
                return [x * 0.5 * (((x + (x * x * x * 0.044715)) * Math.Sqrt(2 / Math.PI)).tanh() + 1)];
            },
            _ => throw node.Error($"approximate '{approximate}' is not supported; supported: none, tanh"),
        };
    }

    public static OnnxKernel Softplus(OnnxNode node) => (inputs, _) => [F.softplus(inputs[0]!)];

    public static OnnxKernel Softsign(OnnxNode node) => (inputs, _) => [inputs[0]! / (inputs[0]!.abs() + 1)];

    public static OnnxKernel ThresholdedRelu(OnnxNode node)
    {
        double alpha = node.Float("alpha", 1f);
        return (inputs, _) => [where(inputs[0]!.gt(alpha), inputs[0]!, zeros_like(inputs[0]!))];
    }

    /// <summary>Pow: the result has the base's type (an integer exponent on a float base, or the reverse).</summary>
    public static OnnxKernel Pow(OnnxNode node) => (inputs, _) =>
    {
        Tensor x = inputs[0]!;
        Tensor y = inputs[1]!;
        Tensor result = TensorValues.IsInteger(x) && !TensorValues.IsInteger(y)
            ? x.to_type(ScalarType.Float64).pow(y).to_type(x.dtype)
            : x.pow(y);
        return [result.dtype == x.dtype ? result : result.to_type(x.dtype)];
    };
}
