using System.Collections.Concurrent;
using Tenni.Imaging;

namespace Tenni.Features;

/// <summary>
/// Fills the activation cache while the data scan decodes each image to check it: one decode per image
/// instead of two (the scan's, then the extraction's). The scan's workers preprocess each image they
/// decode and queue the model-ready row; one forward thread takes them in batches, runs the frozen
/// layers and writes the rows. Whatever this misses (a failure, a row written damaged) the cache's
/// usual load finds missing and computes, so it can only save work, never change a result.
/// </summary>
internal sealed class ScanExtraction : IDisposable
{
    private readonly FeatureCache _cache;
    private readonly Preprocessing _preprocessing;
    private readonly int _batchSize;
    private readonly BlockingCollection<(string Hash, float[] Row)> _queue;
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly IProgress<ExtractionProgress>? _progress;
    private readonly Task _forward;
    private int _queued;
    private int _done;

    public ScanExtraction(FeatureCache cache, Preprocessing preprocessing, TextWriter? log, IProgress<ExtractionProgress>? progress = null, int batchSize = 32)
    {
        _cache = cache;
        _preprocessing = preprocessing;
        _batchSize = batchSize;
        _progress = progress;

        // Two batches in waiting (≈ 38 MB at 224×224) keep the forward pass fed without holding the dataset.
        _queue = new BlockingCollection<(string, float[])>(2 * batchSize);
        cache.Prepare(log);
        _forward = Task.Factory.StartNew(Forward, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>How many rows it computed.</summary>
    public int Computed => _done;

    /// <summary>Takes one decoded image (on a scan worker); an image already cached or seen is skipped.</summary>
    public void Accept(DecodedImage image)
    {
        if (_queue.IsAddingCompleted || !_seen.TryAdd(image.ContentHash, 0) || _cache.Has(image.ContentHash))
        {
            return;
        }

        try
        {
            float[] row = new float[_preprocessing.Length];
            _preprocessing.Normalize(_preprocessing.Fit(image.Image), row);
            _queue.Add((image.ContentHash, row));
            Interlocked.Increment(ref _queued);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The forward thread stopped (its failure surfaces in Complete), or this image cannot be
            // prepared here: the scan goes on, and the cache's load computes what is missing.
            _seen.TryRemove(image.ContentHash, out _);
        }
    }

    /// <summary>Waits for the queued rows to be written; a failure of the forward pass is thrown here.</summary>
    public void Complete()
    {
        _queue.CompleteAdding();
        _forward.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        try
        {
            _forward.Wait();
        }
        catch (AggregateException)
        {
            // Surfaced by Complete when the run goes on; after a failure elsewhere, the first error is the one to report.
        }

        _queue.Dispose();
    }

    private void Forward()
    {
        var batch = new List<(string Hash, float[] Row)>(_batchSize);
        try
        {
            foreach (var item in _queue.GetConsumingEnumerable())
            {
                batch.Add(item);
                if (batch.Count == _batchSize)
                {
                    Flush(batch);
                }
            }

            Flush(batch);
        }
        catch
        {
            _queue.CompleteAdding(); // scan workers stop queueing instead of waiting for a reader that is gone
            throw;
        }
    }

    private void Flush(List<(string Hash, float[] Row)> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        int length = _preprocessing.Length;
        float[] values = new float[batch.Count * length];
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Row.CopyTo(values, i * length);
        }

        using (var images = IO.AlignedTensor.From(values, batch.Count, 3L, _preprocessing.Size, _preprocessing.Size))
        {
            _cache.ComputeRows(images, [.. batch.Select(b => b.Hash)]);
        }

        _done += batch.Count;
        _progress?.Report(new ExtractionProgress(_done, Math.Max(_done, Volatile.Read(ref _queued)), 0));
        batch.Clear();
    }
}
