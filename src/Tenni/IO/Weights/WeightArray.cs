namespace Tenni.IO.Weights;

/// <summary>
/// One named array from a weight file. <paramref name="DType"/> uses safetensors' names for every format
/// ("F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", …). <paramref name="Values"/> is a float32
/// copy in C order for floating dtypes and null for integer and bool arrays (BatchNorm's
/// num_batches_tracked, Chainer's BatchNormalization "N"), which no model parameter needs.
/// </summary>
internal sealed record WeightArray(string Name, long[] Shape, float[]? Values, string DType)
{
    public long Count => Shape.Aggregate(1L, (p, d) => p * d);
}
