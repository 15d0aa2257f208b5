using Tenni.Cli.Serving;

namespace Tenni.Tests.Serving;

public sealed class PredictionGateTests
{
    [Fact]
    public async Task Work_runs_one_at_a_time_and_a_full_queue_is_refused()
    {
        using var gate = new PredictionGate(maxPending: 2);
        using var release = new ManualResetEventSlim();
        int running = 0, most = 0;
        int Work()
        {
            most = Math.Max(most, Interlocked.Increment(ref running));
            release.Wait();
            Interlocked.Decrement(ref running);
            return 1;
        }

        var first = Task.Run(() => gate.TryRunAsync(Work, default));
        var second = Task.Run(() => gate.TryRunAsync(Work, default));
        await WaitUntil(() => Volatile.Read(ref running) == 1);
        await Task.Delay(50); // both are now in the gate: one running, one waiting

        var (accepted, _) = await gate.TryRunAsync(() => 1, default);
        release.Set();

        Assert.False(accepted);
        Assert.Equal((true, 1), await first);
        Assert.Equal((true, 1), await second);
        Assert.Equal(1, most);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
    }
}
