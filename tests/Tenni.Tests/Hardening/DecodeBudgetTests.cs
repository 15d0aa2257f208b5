using Tenni.Imaging;

namespace Tenni.Tests.Hardening;

public sealed class DecodeBudgetTests
{
    [Fact]
    public void Acquire_ManyThreadsRandomSizes_InFlightNeverExceedsCapacity()
    {
        // Given a budget of 1000 pixels and 16 threads asking for 1 to 1500 (some more than all of it)
        var budget = new DecodeBudget(1000);
        long inFlight = 0;
        long peak = 0;
        int oversizedAlongsideOthers = 0;

        // When each takes and returns its share 200 times
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, t =>
        {
            var rng = new Random(t);
            for (int i = 0; i < 200; i++)
            {
                long want = rng.Next(1, 1500);
                long counted = Math.Min(want, budget.Capacity);
                using (budget.Acquire(want))
                {
                    long now = Interlocked.Add(ref inFlight, counted);
                    InterlockedMax(ref peak, now);
                    if (want >= budget.Capacity && now != counted)
                    {
                        Interlocked.Increment(ref oversizedAlongsideOthers);
                    }

                    Thread.SpinWait(rng.Next(50, 500));
                    Interlocked.Add(ref inFlight, -counted);
                }
            }
        });

        // Then the pixels held at once never passed the budget, and an oversized request ran alone
        Assert.InRange(peak, 1, 1000);
        Assert.Equal(0, oversizedAlongsideOthers);
        Assert.Equal(0, budget.InFlight);
    }

    [Fact]
    public async Task Acquire_LargeRequestBehindSmallOnes_IsServedInArrivalOrder()
    {
        // Given a budget half taken
        var budget = new DecodeBudget(100);
        var held = budget.Acquire(50);

        // When a request for all of it waits, and a small one that would fit arrives after it
        var large = Task.Factory.StartNew(() => budget.Acquire(100), TaskCreationOptions.LongRunning);
        await Task.Delay(200);
        var small = Task.Factory.StartNew(() => budget.Acquire(10), TaskCreationOptions.LongRunning);
        await Task.Delay(200);

        // Then the small one does not overtake it (which would starve large requests under load)
        Assert.False(small.IsCompleted);
        held.Dispose();
        Assert.Same(large, await Task.WhenAny(large, Task.Delay(5000)));
        await Task.Delay(100);
        Assert.False(small.IsCompleted);
        (await large).Dispose();
        Assert.Same(small, await Task.WhenAny(small, Task.Delay(5000)));
        (await small).Dispose();
        Assert.Equal(0, budget.InFlight);
    }

    [Fact]
    public void Read_WhileTheCallerUsesTheImage_ItsPixelsAreCountedInTheSharedBudget()
    {
        // Parallel readers preprocess inside Read's callback: the full-size image must still be counted then.
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-budget").FullName, "a.png");
        Support.TempDataset.WriteImage(path, 3, 300, 200);

        var (seen, problem) = ImageReader.Read(path, ImageReader.DefaultMaxPixels, ImageReader.DefaultMaxFileBytes, _ => (object)DecodeBudget.Shared.InFlight);

        Assert.Null(problem);
        Assert.InRange((long)seen!, 300 * 200, DecodeBudget.Shared.Capacity);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
