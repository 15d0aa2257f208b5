using System.Threading.Channels;
using Tenni.Imaging;
using static TorchSharp.torch;

namespace Tenni.Data;

/// <summary>
/// Streams samples as batches of tensors: a background task decodes and preprocesses each batch on all
/// cores while the consumer works on the previous one, at most <see cref="DataLoaderOptions.Prefetch"/>
/// batches ahead, so memory stays bounded whatever the dataset's size. Shuffling and augmentation are
/// seeded per (seed, epoch, position), so results do not depend on thread timing.
/// </summary>
public sealed class DataLoader(IReadOnlyList<ImageSample> samples, Preprocessing preprocessing, DataLoaderOptions? options = null)
{
    private readonly DataLoaderOptions _options = options ?? new DataLoaderOptions();

    public int BatchCount => (int)(((long)samples.Count + _options.BatchSize - 1) / _options.BatchSize); // long: a batch near int.MaxValue must not overflow

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the samples (with <see cref="Sampler.Balanced"/>, its draws: photos may repeat).</summary>
    public int[] Order(int epoch)
    {
        if (_options.Shuffle && _options.Sampler == Sampler.Balanced)
        {
            return BalancedDraws(LoaderRandom.ForShuffle(_options.Seed, epoch));
        }

        int[] order = Enumerable.Range(0, samples.Count).ToArray();
        if (_options.Shuffle)
        {
            var rng = LoaderRandom.ForShuffle(_options.Seed, epoch);
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        return order;
    }

    // A class uniformly, then one of its photos uniformly: each class is drawn equally often.
    private int[] BalancedDraws(Random rng)
    {
        var byClass = Enumerable.Range(0, samples.Count).GroupBy(i => samples[i].Label).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        var draws = new int[samples.Count];
        for (int i = 0; i < draws.Length; i++)
        {
            int[] members = byClass[rng.Next(byClass.Length)];
            draws[i] = members[rng.Next(members.Length)];
        }

        return draws;
    }

    /// <summary>One pass over the samples. Dispose each batch when done with it.</summary>
    public IEnumerable<Batch> Epoch(int epoch = 0)
    {
        ImageFileBytes.CheckLimit(_options.MaxFileBytes);
        int[] order = Order(epoch);
        var channel = Channel.CreateBounded<(float[] Images, long[] Labels, ImageSample[] Samples)>(
            new BoundedChannelOptions(Math.Max(1, _options.Prefetch)) { SingleReader = true, SingleWriter = true });
        using var stop = new CancellationTokenSource();
        var buffers = new IO.BufferPool(Math.Min(_options.BatchSize, Math.Max(1, order.Length)) * preprocessing.Length, Math.Max(1, _options.Prefetch) + 2);
        var producer = Task.Run(() => Produce(order, epoch, buffers, channel.Writer, stop.Token));
        try
        {
            while (channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (channel.Reader.TryRead(out var item))
                {
                    int n = item.Labels.Length;
                    var images = IO.AlignedTensor.From(item.Images.AsSpan(0, n * preprocessing.Length), n, 3L, preprocessing.Size, preprocessing.Size).DetachFromDisposeScope();
                    buffers.Return(item.Images); // copied: a later batch reuses it
                    yield return new Batch(images, IO.AlignedTensor.From(item.Labels, n).DetachFromDisposeScope(), item.Samples);
                }
            }

            producer.GetAwaiter().GetResult(); // surfaces a decoding failure
        }
        finally
        {
            stop.Cancel();
            try
            {
                producer.Wait();
            }
            catch (AggregateException)
            {
                // Cancelled because the consumer stopped early, or already surfaced above.
            }
        }
    }

    private async Task Produce(int[] order, int epoch, IO.BufferPool buffers, ChannelWriter<(float[], long[], ImageSample[])> writer, CancellationToken stop)
    {
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Workers), CancellationToken = stop };
            for (int start = 0; start < order.Length; start = (int)Math.Min((long)start + _options.BatchSize, order.Length))
            {
                int n = Math.Min(_options.BatchSize, order.Length - start);
                var batch = new ImageSample[n];
                // Reused: a new 19–38 MB array per batch would pile up on the large-object heap between collections.
                float[] images = buffers.Rent();
                long[] labels = new long[n];
                Parallel.For(0, n, parallel, i =>
                {
                    int position = start + i;
                    var sample = samples[order[position]];
                    batch[i] = sample;
                    labels[i] = sample.Label;
                    // Preprocessed while the decode budget still counts the full-size image.
                    var (done, problem) = ImageReader.Read(sample.Path, _options.MaxPixels, _options.MaxFileBytes, decoded =>
                    {
                        var rng = LoaderRandom.ForImage(_options.Seed, epoch, position);
                        RgbImage fitted = _options.Augmentation.IsEnabled
                            ? _options.Augmentation.Apply(decoded.Image, preprocessing, rng)
                            : preprocessing.Fit(decoded.Image);
                        preprocessing.Normalize(fitted, images.AsSpan(i * preprocessing.Length, preprocessing.Length));
                        return decoded.Format;
                    });
                    if (done is null)
                    {
                        throw new TenniException($"{problem!.Message} (it was readable when the dataset was scanned; has it changed?)");
                    }
                });
                await writer.WriteAsync((images, labels, batch), stop).ConfigureAwait(false);
            }

            writer.Complete();
        }
        catch (Exception e)
        {
            // Several workers can fail in the same batch: surface the first file's message, one line as
            // always, not an AggregateException (which left two failing files a stack trace, at random).
            writer.TryComplete(e is AggregateException a ? a.Flatten().InnerExceptions.OfType<TenniException>().FirstOrDefault() ?? a.InnerException ?? e : e);
            if (e is not OperationCanceledException)
            {
                throw;
            }
        }
    }
}
