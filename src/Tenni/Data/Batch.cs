using static TorchSharp.torch;

namespace Tenni.Data;

/// <summary>A mini-batch: images [N, 3, S, S] float32, labels [N] int64, and the samples behind them.</summary>
public sealed class Batch(Tensor images, Tensor labels, IReadOnlyList<ImageSample> samples) : IDisposable
{
    public Tensor Images { get; } = images;

    public Tensor Labels { get; } = labels;

    public IReadOnlyList<ImageSample> Samples { get; } = samples;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
