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
            release.Wait(TimeSpan.FromMinutes(1)); // bounded: a broken gate fails the test instead of hanging it
            Interlocked.Decrement(ref running);
            return 1;
        }

        Task<(bool, int)> first, second;
        try
        {
            first = Task.Run(() => gate.TryRunAsync(Work, default));
            second = Task.Run(() => gate.TryRunAsync(Work, default));
            await WaitUntil(() => gate.Pending == 2 && Volatile.Read(ref running) == 1); // one running, one waiting

            var third = gate.TryRunAsync(() => 1, default);

            Assert.True(third.IsCompleted); // refused at once, not queued
            Assert.False((await third).Accepted);
        }
        finally
        {
            release.Set();
        }

        Assert.Equal((true, 1), await first);
        Assert.Equal((true, 1), await second);
        Assert.Equal(1, most);
        Assert.Equal(0, gate.Pending);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "the gate never reached the expected state");
    }
}
