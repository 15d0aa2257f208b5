using System.Diagnostics;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>Side-by-side timing of variants that compute the same thing, and the medians reported from it.</summary>
internal static class RoundRobin
{
    /// <summary>
    /// Seconds per call of each variant over <paramref name="rounds"/> rounds, the order rotated each round so
    /// no variant always runs first (or right after the slowest). Each call starts after a pause of
    /// <paramref name="pauseMs"/>: the engines' worker threads spin for a while after a call (ONNX Runtime's
    /// thread pool, libtorch's OpenMP), and without the pause they take a core from the next variant, which
    /// at one image halved Tenni's float32 rate after ONNX Runtime's turn (43 against 64 images/s).
    /// </summary>
    public static Dictionary<string, List<double>> Time(IReadOnlyList<(string Name, Func<float[]> Run)> variants, int rounds, int pauseMs = 50)
    {
        var seconds = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            foreach (var (name, run) in variants.Skip(round % variants.Count).Concat(variants.Take(round % variants.Count)))
            {
                Thread.Sleep(pauseMs);
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
