using System.Runtime.InteropServices;
using Tenni.Imaging;
using TorchSharp;

namespace Tenni.Features;

/// <summary>
/// Fills the activation cache while the data scan decodes each image to check it: one decode per image
/// instead of two (the scan's, then the extraction's). The scan runs on a worker thread; its workers fit
/// each image they decode to the model's input size and put it aside; the calling thread opens the cache
/// (loading the model, if it is not loaded yet) and then runs the frozen layers on them in batches and
/// writes the rows. Whatever this misses (a failure, a row written damaged) the cache's usual load finds
/// missing and computes, so it can only save work, never change a result.
/// </summary>
/// <remarks>
/// <para>While the model loads (on one core, ≈ 1 s), the scan's workers decode up to <c>turnsAhead</c>
/// turns of images (≈ 150 KB each, fitted but not normalised).</para>
/// <para>Then decoding and the forward pass take turns instead of overlapping: while the forward pass
/// runs, the scan's workers wait. libtorch's OpenMP threads synchronise at every operator, so one decoder
/// sharing their cores stalls all of them: on 2 cores the overlapped pass ran 1.8× slower in float32 than
/// decoding everything and then running the forward pass (docs/benchmarks.md, scan-split). The forward
/// pass stays on the calling thread because glibc serves the process's first thread from its main heap,
/// which keeps freed activations for the next batch; other threads' heaps map and unmap them batch after
/// batch (2.2× slower in the same benchmark).</para>
/// </remarks>
internal sealed class ScanExtraction
{
    private readonly Preprocessing _fit;
    private readonly TextWriter? _log;
    private readonly int _batchSize;
    private readonly int _turn;
    private readonly int _ahead;
    private readonly object _lock = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly IProgress<ExtractionProgress>? _progress;
    private List<(string Hash, RgbImage Fitted)> _pending = [];
    private FeatureCache? _cache;
    private bool _forwardTurn;
    private bool _complete;
    private bool _forwardStopped;
    private int _queued;
    private int _done;

    /// <param name="fit">The preprocessing the images are fitted with on the scan's workers; the cache's must fit them the same way, or nothing is put aside.</param>
    /// <param name="batchSize">Images per forward pass: 16 rather than 32 halves the activations' memory, which
    /// on the project's machine is also faster (fresh memory costs ≈ 5 ms per MB there): 7.36 s against 7.68 s
    /// for the chapter's recipe, 569 MB peak against 704 MB; 8 was slower again (docs/benchmarks.md).</param>
    /// <param name="batchesPerTurn">How many batches the scan decodes before the forward pass takes its turn.</param>
    /// <param name="turnsAhead">How many turns' worth of images the scan may put aside before the cache is open.</param>
    public ScanExtraction(Preprocessing fit, TextWriter? log, IProgress<ExtractionProgress>? progress = null, int batchSize = 16, int batchesPerTurn = 4, int turnsAhead = 7)
    {
        _fit = fit;
        _log = log;
        _batchSize = batchSize;
        _turn = batchSize * batchesPerTurn;
        _ahead = _turn * turnsAhead;
        _progress = progress;
    }

    /// <summary>How many rows it computed.</summary>
    public int Computed => _done;

    /// <summary>
    /// Runs <paramref name="scan"/> on a worker thread, given <see cref="Accept"/> to call with each image it
    /// decodes, while this thread opens the cache (<paramref name="openCache"/>: null when nothing is to be
    /// cached) and runs the forward pass; returns the scan's result once every row is written. The scan's
    /// failure is thrown first; then the forward pass's, which also stops the scan (through the token).
    /// </summary>
    public T Run<T>(Func<Action<DecodedImage>, CancellationToken, T> scan, Func<FeatureCache?> openCache)
    {
        using var stop = new CancellationTokenSource();
        var scanning = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    return scan(Accept, stop.Token);
                }
                finally
                {
                    Finish();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Exception? failure = null;
        try
        {
            Forward(openCache);
        }
        catch (Exception e)
        {
            failure = e;
            stop.Cancel(); // the run fails with this error: no need to scan on
        }

        T result;
        try
        {
            result = scanning.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (failure is not null)
        {
            result = default!;
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return result;
    }

    /// <summary>Takes one decoded image (on a scan worker); an image already cached or seen is skipped. Waits while the forward pass has its turn.</summary>
    private void Accept(DecodedImage image)
    {
        FeatureCache? cache;
        lock (_lock)
        {
            while ((_forwardTurn || (_cache is null && _pending.Count >= _ahead)) && !_forwardStopped)
            {
                Monitor.Wait(_lock);
            }

            if (_forwardStopped || !_seen.Add(image.ContentHash))
            {
                return;
            }

            cache = _cache;
        }

        if (cache?.Has(image.ContentHash) == true)
        {
            return;
        }

        RgbImage fitted;
        try
        {
            fitted = _fit.Fit(image.Image);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // This image cannot be prepared here: the scan goes on, and the cache's load computes what is missing.
            lock (_lock)
            {
                _seen.Remove(image.ContentHash);
            }

            return;
        }

        lock (_lock)
        {
            if (_forwardStopped)
            {
                return;
            }

            _pending.Add((image.ContentHash, fitted));
            Interlocked.Increment(ref _queued);
            if (_cache is not null && _pending.Count >= _turn)
            {
                _forwardTurn = true;
                Monitor.PulseAll(_lock);
            }
        }
    }

    private void Finish()
    {
        lock (_lock)
        {
            _complete = true;
            Monitor.PulseAll(_lock);
        }
    }

    private void Forward(Func<FeatureCache?> openCache)
    {
        try
        {
            if (openCache() is not { } cache || cache.Preprocessing.Fingerprint() != _fit.Fingerprint())
            {
                return; // nothing to cache (or fitted another way): the scan goes on alone
            }

            cache.Prepare(_log);
            lock (_lock)
            {
                _cache = cache;
                Monitor.PulseAll(_lock);
            }

            while (TakeTurn() is { } images)
            {
                // Images put aside before the cache was open may be cached already (a warm cache).
                int cached = images.RemoveAll(i => cache.Has(i.Hash));
                Interlocked.Add(ref _queued, -cached); // the progress counts what is computed
                for (int start = 0; start < images.Count; start += _batchSize)
                {
                    Flush(cache, images.GetRange(start, Math.Min(_batchSize, images.Count - start)));
                }

                lock (_lock)
                {
                    _forwardTurn = false; // the scan's turn
                    Monitor.PulseAll(_lock);
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _forwardStopped = true; // scan workers stop putting images aside instead of waiting for a reader that is gone
                _pending = [];
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Waits until a turn's worth of images is waiting (or the scan is over) and takes them; null when nothing is left.</summary>
    private List<(string Hash, RgbImage Fitted)>? TakeTurn()
    {
        lock (_lock)
        {
            while (_pending.Count < _turn && !_complete)
            {
                Monitor.Wait(_lock);
            }

            if (_pending.Count == 0)
            {
                return null;
            }

            _forwardTurn = true; // also when the scan's workers filled a turn while the last one ran
            var images = _pending;
            _pending = [];
            return images;
        }
    }

    private void Flush(FeatureCache cache, List<(string Hash, RgbImage Fitted)> batch)
    {
        var preprocessing = cache.Preprocessing;
        int length = preprocessing.Length;
        using (var images = torch.empty(batch.Count, 3L, preprocessing.Size, preprocessing.Size))
        {
            var values = MemoryMarshal.Cast<byte, float>(images.bytes);
            for (int i = 0; i < batch.Count; i++)
            {
                preprocessing.Normalize(batch[i].Fitted, values.Slice(i * length, length));
            }

            cache.ComputeRows(images, [.. batch.Select(b => b.Hash)]);
        }

        _done += batch.Count;
        _progress?.Report(new ExtractionProgress(_done, Math.Max(_done, Volatile.Read(ref _queued)), 0));
    }
}
