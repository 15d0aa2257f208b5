namespace Tenni.Cli.Serving;

/// <summary>
/// One prediction at a time on the shared model (a TorchSharp module is not safe for concurrent
/// forwards, and libtorch already uses every core for one), with a bounded number waiting: a burst
/// beyond it is refused at once (503) instead of piling up requests and their uploads in memory.
/// </summary>
internal sealed class PredictionGate(int maxPending) : IDisposable
{
    private readonly SemaphoreSlim _model = new(1, 1);
    private int _pending;

    /// <summary>Requests running or waiting.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Runs <paramref name="work"/> alone on the model; false when too many are already waiting.</summary>
    public async Task<(bool Accepted, T? Result)> TryRunAsync<T>(Func<T> work, CancellationToken cancel)
    {
        if (Interlocked.Increment(ref _pending) > maxPending)
        {
            Interlocked.Decrement(ref _pending);
            return (false, default);
        }

        try
        {
            await _model.WaitAsync(cancel);
            try
            {
                return (true, work());
            }
            finally
            {
                _model.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose() => _model.Dispose();
}
