namespace Tenni.Onnx.Blocked;

/// <summary>
/// What the Winograd convolutions share (float32 <see cref="WinogradConvolution"/>, bfloat16
/// <see cref="Bf16RowWinogradConvolution"/>): a 3×3 kernel at stride 1 with padding 1, 16-channel blocks
/// in, the output the input's size, and a border of two (the last tile or pair of an odd height or width
/// reads one pixel past the usual border of one).
/// </summary>
internal abstract unsafe class WinogradShape(int inChannels, int outChannels) : IBlockedConvolution
{
    protected const int Lanes = 16;

    public int InChannels { get; } = inChannels;

    public int InBlock => Lanes;

    public int OutChannels { get; } = outChannels;

    public int KernelHeight => 3;

    public int KernelWidth => 3;

    public (int Y, int X) Stride => (1, 1);

    public int InputPad => 2;

    public abstract long WeightBytes { get; }

    public (int Height, int Width) OutputSize(int height, int width) => (height, width);

    /// <summary>Whether a convolution has this shape: 3×3, stride 1, padding 1 on every side, input channels a multiple of 16.</summary>
    protected static bool HasShape(int inChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads) =>
        kernelHeight == 3 && kernelWidth == 3 && stride == (1, 1) && pads == (1, 1, 1, 1) && inChannels % Lanes == 0;

    public abstract void Run(BlockedShape inShape, float* input, BlockedShape outShape, float* output, BlockedShape residualShape, float* residual, bool relu, int threads);

    public abstract void Dispose();
}
