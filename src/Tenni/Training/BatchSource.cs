using Tenni.Data;
using Tenni.Features;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>Batches for one epoch as (tensor name, input, labels): images for the full network, or cached activations.</summary>
public abstract class BatchSource
{
    /// <summary>Which graph tensor the inputs are (the image input or the cache tensor).</summary>
    public abstract string TensorName { get; }

    public abstract int Count { get; }

    public abstract int BatchCount { get; }

    /// <summary>Epoch <paramref name="epoch"/>'s batches; the caller disposes each.</summary>
    public abstract IEnumerable<(Tensor Input, Tensor Labels)> Epoch(int epoch);
}

/// <summary>Decoded, preprocessed images from a <see cref="DataLoader"/>.</summary>
internal sealed class ImageBatchSource(DataLoader loader, string inputName, int count) : BatchSource
{
    public override string TensorName => inputName;

    public override int Count => count;

    public override int BatchCount => loader.BatchCount;

    public override IEnumerable<(Tensor Input, Tensor Labels)> Epoch(int epoch) =>
        loader.Epoch(epoch).Select(b => (b.Images, b.Labels));
}

/// <summary>Cached activations, visited in exactly the order the image loader would visit the images.</summary>
internal sealed class CachedBatchSource(FeatureStore store, IReadOnlyList<ImageSample> samples, DataLoader order, string tensorName, int batchSize) : BatchSource
{
    public override string TensorName => tensorName;

    public override int Count => samples.Count;

    public override int BatchCount => (int)(((long)samples.Count + batchSize - 1) / batchSize); // long: a batch near int.MaxValue must not overflow

    public override IEnumerable<(Tensor Input, Tensor Labels)> Epoch(int epoch)
    {
        int[] indices = order.Order(epoch);
        for (int start = 0; start < indices.Length; start = (int)Math.Min((long)start + batchSize, indices.Length))
        {
            int[] chunk = indices[start..(int)Math.Min((long)start + batchSize, indices.Length)];
            Tensor input = store.Gather(chunk).DetachFromDisposeScope();
            Tensor labels = IO.AlignedTensor.From(chunk.Select(i => (long)samples[i].Label).ToArray(), chunk.Length).DetachFromDisposeScope();
            yield return (input, labels);
        }
    }
}
