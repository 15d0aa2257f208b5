namespace Tenni.Onnx.Blocked;

/// <summary>
/// What the direct convolutions share, float32 (<see cref="DirectConvolution"/>) and bfloat16
/// (<see cref="Bf16Convolution"/>): the shape (groups 1, dilation 1), the input's blocking, and the sizes it
/// gives. Both compute tiles of 7 output pixels × 32 output channels (a pair of 16-channel blocks).
/// </summary>
internal abstract unsafe class TiledConvolution : IBlockedConvolution
{
    protected const int Lanes = 16;

    protected TiledConvolution(int inChannels, int outChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads)
    {
        (InChannels, OutChannels, KernelHeight, KernelWidth, Stride, Pads) = (inChannels, outChannels, kernelHeight, kernelWidth, stride, pads);
        InBlock = inChannels % Lanes == 0 ? Lanes : 1;
    }

    public int InChannels { get; }

    /// <summary>Channels per block of the input: 16, or 1 (planes, NCHW) when there are fewer than 16 (an RGB image).</summary>
    public int InBlock { get; }

    public int OutChannels { get; }

    public int KernelHeight { get; }

    public int KernelWidth { get; }

    public (int Y, int X) Stride { get; }

    public (int Top, int Left, int Bottom, int Right) Pads { get; }

    /// <summary>The border an input needs for this convolution to read it without bounds checks.</summary>
    public int InputPad => Math.Max(Math.Max(Pads.Top, Pads.Bottom), Math.Max(Pads.Left, Pads.Right));

    /// <summary>Pairs of 16-channel output blocks: the unit of a tile.</summary>
    protected int Pairs => OutChannels / (2 * Lanes);

    public (int Height, int Width) OutputSize(int height, int width) =>
        (((height + Pads.Top + Pads.Bottom - KernelHeight) / Stride.Y) + 1, ((width + Pads.Left + Pads.Right - KernelWidth) / Stride.X) + 1);

    public abstract long WeightBytes { get; }

    public abstract void Run(BlockedShape inShape, float* input, BlockedShape outShape, float* output, BlockedShape residualShape, float* residual, bool relu, int threads);

    public abstract void Dispose();

    /// <summary>Jobs of two output rows each (the last alone when the height is odd).</summary>
    protected static int RowPairs(int height) => (height + 1) / 2;
}
