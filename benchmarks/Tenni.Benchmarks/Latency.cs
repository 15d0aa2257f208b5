using System.Diagnostics;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>Milliseconds per call over repeated calls (after one warm-up), and their percentiles.</summary>
internal static class Latency
{
    public static List<double> Time(int repeats, Action<int> action)
    {
        action(0); // warm-up
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            action(i);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return times;
    }

    /// <summary>The nearest-rank percentile.</summary>
    public static double P(List<double> values, int percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];
    }
}
