using System.Diagnostics;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>Side-by-side timing of variants that compute the same thing, and the medians reported from it.</summary>
internal static class RoundRobin
{
    /// <summary>Seconds per call of each variant over <paramref name="rounds"/> rounds, the order rotated each round so no variant always runs first (or right after the slowest).</summary>
    public static Dictionary<string, List<double>> Time(IReadOnlyList<(string Name, Func<float[]> Run)> variants, int rounds)
    {
        var seconds = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            foreach (var (name, run) in variants.Skip(round % variants.Count).Concat(variants.Take(round % variants.Count)))
            {
                var clock = Stopwatch.StartNew();
                run();
                seconds[name].Add(clock.Elapsed.TotalSeconds);
            }
        }

        return seconds;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Runs a TorchSharp forward without autograd and copies its output out.</summary>
    public static float[] Torch(Func<Tensor> forward)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return forward().contiguous().data<float>().ToArray();
    }
}
