namespace Tenni.IO.Weights;

/// <summary>
/// One named array from a weight file. <see cref="DType"/> uses safetensors' names for every format
/// ("F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", …). Name, shape and dtype are read and
/// checked against the bytes present when the file is opened; the elements are read only when
/// <see cref="Values"/> is first asked for, so a caller checks the shape against what it expects
/// before the file can make it allocate anything.
/// </summary>
internal sealed class WeightArray
{
    private readonly Func<float[]>? _load;
    private float[]? _values;

    /// <param name="load">Reads the float32 elements in C order (floating dtypes only); called at most once.</param>
    public WeightArray(string name, long[] shape, string dtype, Func<float[]>? load)
    {
        Name = name;
        Shape = shape;
        DType = dtype;
        _load = ElementTypes.IsFloating(dtype) ? load : null;
    }

    /// <summary>An array whose elements are already in memory.</summary>
    public WeightArray(string name, long[] shape, float[]? values, string dtype)
        : this(name, shape, dtype, null) => _values = ElementTypes.IsFloating(dtype) ? values : null;

    public string Name { get; }

    public long[] Shape { get; }

    public string DType { get; }

    public long Count => Shape.Aggregate(1L, (p, d) => p * d);

    /// <summary>
    /// A float32 copy in C order for floating dtypes, read from the file on first use; null for integer and
    /// bool arrays (BatchNorm's num_batches_tracked, Chainer's BatchNormalization "N"), which no model
    /// parameter needs. Reading a damaged file here throws <see cref="TenniException"/>.
    /// </summary>
    public float[]? Values => _values ??= _load?.Invoke();

    /// <summary>The same array, with its deferred read run through <paramref name="guard"/> (which turns damage into a message).</summary>
    public WeightArray Guarded(Func<Func<float[]>, float[]> guard) =>
        _values is not null || _load is null ? this : new WeightArray(Name, Shape, DType, () => guard(_load));
}
