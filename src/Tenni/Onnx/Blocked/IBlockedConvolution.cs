namespace Tenni.Onnx.Blocked;

/// <summary>A float32 convolution over blocked activations, with bias, residual addition and ReLU taken in: direct or Winograd.</summary>
internal unsafe interface IBlockedConvolution : IDisposable
{
    int InChannels { get; }

    /// <summary>Channels per block of the input: 16, or 1 (planes) for an RGB image.</summary>
    int InBlock { get; }

    int OutChannels { get; }

    int KernelHeight { get; }

    int KernelWidth { get; }

    (int Y, int X) Stride { get; }

    /// <summary>The border an input needs for this convolution to read it without bounds checks.</summary>
    int InputPad { get; }

    /// <summary>Bytes of packed weights: what every image reads (the plan weighs them against an image's activations).</summary>
    long WeightBytes { get; }

    (int Height, int Width) OutputSize(int height, int width);

    /// <summary>
    /// output = relu?(conv(input) + bias + residual?) over every image; <paramref name="residual"/>
    /// (null: none) has the output's shape, in a layout of its own.
    /// </summary>
    void Run(BlockedShape inShape, float* input, BlockedShape outShape, float* output, BlockedShape residualShape, float* residual, bool relu, int threads);
}
