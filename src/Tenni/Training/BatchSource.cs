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
internal sealed class ImageBatchSource(DataLoader loader, string inputName, int count, int multiLabelClasses = 0) : BatchSource
{
    public override string TensorName => inputName;

    public override int Count => count;

    public override int BatchCount => loader.BatchCount;

    public override IEnumerable<(Tensor Input, Tensor Labels)> Epoch(int epoch) =>
        loader.Epoch(epoch).Select(b => (b.Images, multiLabelClasses == 0 ? b.Labels : MultiHot.Replace(b.Labels, b.Samples, multiLabelClasses)));
}

/// <summary>Cached activations, visited in exactly the order the image loader would visit the images.</summary>
internal sealed class CachedBatchSource(IFeatureRows store, IReadOnlyList<ImageSample> samples, DataLoader order, string tensorName, int batchSize, int multiLabelClasses = 0) : BatchSource
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
            Tensor labels = (multiLabelClasses == 0
                ? IO.AlignedTensor.From(chunk.Select(i => (long)samples[i].Label).ToArray(), chunk.Length)
                : MultiHot.Of(chunk.Select(i => samples[i]).ToArray(), multiLabelClasses)).DetachFromDisposeScope();
            yield return (input, labels);
        }
    }
}

/// <summary>Multi-label targets: float32 [N, K], 1 where the photo has the label.</summary>
internal static class MultiHot
{
    public static Tensor Of(IReadOnlyList<ImageSample> samples, int classes)
    {
        float[] values = new float[samples.Count * classes];
        for (int row = 0; row < samples.Count; row++)
        {
            foreach (int label in samples[row].Labels ?? [])
            {
                values[(row * classes) + label] = 1;
            }
        }

        return IO.AlignedTensor.From(values, samples.Count, classes);
    }

    // The loader's int64 labels (a photo's first label) give way to the full sets.
    public static Tensor Replace(Tensor labels, IReadOnlyList<ImageSample> samples, int classes)
    {
        labels.Dispose();
        return Of(samples, classes).DetachFromDisposeScope();
    }
}
