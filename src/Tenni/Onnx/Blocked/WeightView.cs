namespace Tenni.Onnx.Blocked;

/// <summary>
/// Convolution weights [O, I, kh, kw] read where they lie: row-major, or channels-last (the [O, kh, kw, I]
/// memory of a libtorch tensor in that format), so that packing them needs no reordered copy (fresh memory
/// costs ≈ 5 ms per MB on the project's machine, and ResNet18 has 47 MB of weights).
/// </summary>
internal readonly ref struct WeightView
{
    private readonly ReadOnlySpan<float> _values;
    private readonly int _outStride, _inStride, _rowStride, _columnStride;

    private WeightView(ReadOnlySpan<float> values, int outStride, int inStride, int rowStride, int columnStride)
    {
        _values = values;
        (_outStride, _inStride, _rowStride, _columnStride) = (outStride, inStride, rowStride, columnStride);
    }

    public float this[int o, int i, int ky, int kx] => _values[(o * _outStride) + (i * _inStride) + (ky * _rowStride) + (kx * _columnStride)];

    /// <summary>[O, I, kh, kw] in row-major order.</summary>
    public static WeightView RowMajor(ReadOnlySpan<float> values, int inChannels, int kernelHeight, int kernelWidth) =>
        new(values, inChannels * kernelHeight * kernelWidth, kernelHeight * kernelWidth, kernelWidth, 1);

    /// <summary>[O, I, kh, kw] stored as [O, kh, kw, I].</summary>
    public static WeightView ChannelsLast(ReadOnlySpan<float> values, int inChannels, int kernelHeight, int kernelWidth) =>
        new(values, inChannels * kernelHeight * kernelWidth, 1, kernelWidth * inChannels, inChannels);
}
