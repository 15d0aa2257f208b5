namespace Tenni.Imaging;

/// <summary>
/// Bounds the pixels decoded at once by all threads together. The per-image limit alone lets every
/// core decode a maximum-size image at the same time (eight 9400×9400 PNGs: 4.8 GB), so peak memory
/// grew with the number of cores; with the budget it does not. Requests are served in arrival order, so
/// a large one is not starved by a stream of small ones; a request larger than the whole budget waits
/// until nothing else is in flight and then takes all of it, so any image the per-image limit allows
/// can still be decoded.
/// </summary>
internal sealed class DecodeBudget
{
    private readonly object _gate = new();
    private long _inFlight;
    private long _nextTicket;
    private long _serving;

    public DecodeBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>
    /// Shared by every decoding path (folder scan, loader, extraction, prediction): Pillow's per-image
    /// limit, so one maximum-size image decodes alone and ordinary photos (a few million pixels) by the
    /// dozen. At about 7 bytes a pixel while decoding (RGBA, then RGB) that is ≈ 0.6 GB at most, whatever
    /// the core count, which keeps a process with libtorch and a model loaded under 1.5 GB. (Twice the
    /// limit was measured at 2.9 GB peak in `predict` on eight 9400×9400 PNGs.)
    /// </summary>
    public static DecodeBudget Shared { get; } = new(ImageReader.DefaultMaxPixels);

    /// <summary>
    /// A lease this large (≈ 50 MB of RGB) is followed by a full garbage collection when released: its
    /// pixel arrays sit in the large-object heap, which is collected only with generation 2, so without
    /// it a series of large images piles up as garbage (2.9 GB for eight 88-megapixel PNGs). Ordinary
    /// photos stay below it and cost nothing.
    /// </summary>
    public const long CollectAfterPixels = 16_000_000;

    public long Capacity { get; }

    /// <summary>Pixels currently granted.</summary>
    public long InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Waits until <paramref name="pixels"/> fit (all of the budget if more) and holds them until disposed.</summary>
    public Lease Acquire(long pixels)
    {
        long granted = Math.Clamp(pixels, 0, Capacity);
        lock (_gate)
        {
            long ticket = _nextTicket++;
            while (ticket != _serving || _inFlight + granted > Capacity)
            {
                Monitor.Wait(_gate);
            }

            _inFlight += granted;
            _serving++;
            Monitor.PulseAll(_gate);
        }

        return new Lease(this, granted);
    }

    private void Release(long pixels)
    {
        lock (_gate)
        {
            _inFlight -= pixels;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Pixels held until disposed (once).</summary>
    public sealed class Lease(DecodeBudget budget, long pixels) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release(pixels);
                if (pixels >= CollectAfterPixels)
                {
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
                }
            }
        }
    }
}
