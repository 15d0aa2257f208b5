using static TorchSharp.torch;

namespace Tenni.Onnx.Operators;

/// <summary>Reads the small integer tensors that carry shapes, axes and indices in ONNX (any integer type).</summary>
internal static class TensorValues
{
    public static long[] Longs(Tensor values)
    {
        using Tensor asLong = values.to_type(ScalarType.Int64);
        return asLong.data<long>().ToArray();
    }

    /// <summary>An optional input, or null when it is absent (empty name) or beyond the node's inputs.</summary>
    public static Tensor? Optional(Tensor?[] inputs, int index) => inputs.Length > index ? inputs[index] : null;

    /// <summary>The torch type of an ONNX TensorProto.DataType (Cast's <c>to</c>, ConstantOfShape's value).</summary>
    public static ScalarType TypeOf(OnnxNode node, long onnxType) => onnxType switch
    {
        1 => ScalarType.Float32,
        2 => ScalarType.Byte,
        3 => ScalarType.Int8,
        5 => ScalarType.Int16,
        6 => ScalarType.Int32,
        7 => ScalarType.Int64,
        9 => ScalarType.Bool,
        10 => ScalarType.Float16,
        11 => ScalarType.Float64,
        16 => ScalarType.BFloat16,
        _ => throw node.Error($"data type {onnxType} is not supported; supported: float, double, float16, bfloat16, int8, int16, int32, int64, uint8, bool"),
    };

    public static bool IsInteger(Tensor t) => t.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    public static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;
}
