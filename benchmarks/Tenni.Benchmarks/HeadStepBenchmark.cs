using System.Diagnostics;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// One Adam step of a linear head on cached features (forward, cross-entropy, backward, step) for a few
/// head sizes, with libtorch's intra-op threads at 1 and at the default: where the step is too small for
/// the threads' synchronisation to pay (docs/benchmarks.md, head training).
/// </summary>
internal static class HeadStepBenchmark
{
    private static readonly (int In, int Out)[] Heads = [(512, 2), (512, 37), (2048, 37), (2048, 1000), (4096, 1000), (25088, 1000)];

    public static void Run(int batch, int steps)
    {
        int threads = get_num_threads();
        Console.WriteLine($"| head | multiply-adds per step | 1 thread | {threads} threads |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (inputs, outputs) in Heads)
        {
            double one = Median(inputs, outputs, batch, steps, 1);
            double many = Median(inputs, outputs, batch, steps, threads);
            Console.WriteLine($"| {inputs} → {outputs} | {(long)batch * inputs * outputs:N0} | {one:F3} ms | {many:F3} ms |");
        }

        set_num_threads(threads);
    }

    // Median over rounds of the mean step time, after a warm-up round.
    private static double Median(int inputs, int outputs, int batch, int steps, int threads)
    {
        set_num_threads(threads);
        manual_seed(1);
        using var head = nn.Linear(inputs, outputs);
        var optimizer = optim.Adam(head.parameters(), 1e-3);
        using var features = randn(batch, inputs);
        using var labels = randint(0, outputs, [batch], dtype: ScalarType.Int64);
        var rounds = new List<double>();
        for (int round = 0; round < 6; round++)
        {
            var clock = Stopwatch.StartNew();
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                var loss = nn.functional.cross_entropy(head.forward(features), labels);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
            }

            if (round > 0)
            {
                rounds.Add(clock.Elapsed.TotalMilliseconds / steps);
            }
        }

        rounds.Sort();
        return rounds[rounds.Count / 2];
    }
}
