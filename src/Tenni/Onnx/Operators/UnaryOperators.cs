using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>Element-wise functions of one tensor (spec: each keeps its input's type and shape).</summary>
internal static class UnaryOperators
{
    public static readonly IReadOnlyDictionary<string, Func<Tensor, Tensor>> Functions = new Dictionary<string, Func<Tensor, Tensor>>
    {
        ["Abs"] = x => x.abs(),
        ["Neg"] = x => x.neg(),
        ["Sqrt"] = x => x.sqrt(),
        ["Reciprocal"] = x => x.reciprocal(),
        ["Exp"] = x => x.exp(),
        ["Log"] = x => x.log(),
        ["Erf"] = x => x.erf(),
        ["Floor"] = x => x.floor(),
        ["Ceil"] = x => x.ceil(),
        // torch.round rounds half to even, as ONNX's Round does.
        ["Round"] = x => x.round(),
        ["Sign"] = x => x.sign(),
        ["Sin"] = x => x.sin(),
        ["Cos"] = x => x.cos(),
        ["Tan"] = x => x.tan(),
        ["Asin"] = x => x.asin(),
        ["Acos"] = x => x.acos(),
        ["Atan"] = x => x.atan(),
        ["Sinh"] = x => x.sinh(),
        ["Cosh"] = x => x.cosh(),
        ["Asinh"] = x => x.asinh(),
        ["Acosh"] = x => x.acosh(),
        ["Atanh"] = x => x.atanh(),
        ["Not"] = x => x.logical_not(),
        ["IsNaN"] = x => x.isnan(),
    };

    public static OnnxKernel Factory(OnnxNode node)
    {
        var f = Functions[node.OpType];
        return (inputs, _) => [f(inputs[0]!)];
    }

    /// <summary>IsInf: detect_positive / detect_negative choose which infinities count.</summary>
    public static OnnxKernel IsInf(OnnxNode node)
    {
        bool positive = node.Int("detect_positive", 1) != 0;
        bool negative = node.Int("detect_negative", 1) != 0;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            Tensor result = x.isinf();
            result = positive ? result : result.logical_and(x.lt(0));
            return [negative ? result : result.logical_and(x.gt(0))];
        };
    }
}
