using Tenni.Models;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// Where a batch (float32, or bf16 with Tenni's bfloat16 kernel) goes in Tenni's own kernels (issue 14): each batch-wide step of ResNet18's plan
/// to pool5, median seconds over the rounds and the convolutions' GFLOP/s, beside ONNX Runtime's whole batch
/// measured alternately (the machine's noise hits both alike).
/// </summary>
internal static class BlockedStepsBenchmark
{
    public static void Run(int batch, int rounds, int threads, Precision precision)
    {
        set_num_threads(threads);
        using var model = SourceModel.Load("resnet18", new SourceModelOptions { Precision = precision });
        string[] pool5 = [model.Resolve("pool5").Tensor];
        var plan = model.BlockedPlanFor(pool5) ?? throw new InvalidOperationException("this machine does not run Tenni's kernels");
        var times = new SortedDictionary<int, (string What, List<double> Seconds)>();
        plan.StepTimer = (i, what, seconds) =>
        {
            if (!times.TryGetValue(i, out var entry))
            {
                times[i] = entry = (what, []);
            }

            entry.Seconds.Add(seconds);
        };
        using var input = randn(batch, 3, 224, 224, generator: new Generator(1));
        var whole = new List<double>();
        for (int round = -1; round < rounds; round++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                plan.Run(input, pool5);
            }

            if (round < 0)
            {
                foreach (var entry in times.Values)
                {
                    entry.Seconds.Clear(); // the first batch allocates its buffers
                }
            }
            else
            {
                whole.Add(clock.Elapsed.TotalSeconds);
            }
        }

        Console.WriteLine($"ResNet18 to pool5 in Tenni's kernels ({precision}), batch {batch}, {threads} threads, median of {rounds}: whole batch {RoundRobin.Median(whole) * 1e3:F1} ms ({batch / RoundRobin.Median(whole):F1} images/s)\n");
        Console.WriteLine("| step | what | ms | share |");
        Console.WriteLine("|---:|---|---:|---:|");
        double total = times.Values.Sum(t => RoundRobin.Median(t.Seconds));
        foreach (var (i, (what, seconds)) in times)
        {
            double median = RoundRobin.Median(seconds);
            Console.WriteLine($"| {i} | {what} | {median * 1e3:F2} | {median / total:P1} |");
        }

        Console.WriteLine($"| | sum of steps | {total * 1e3:F1} | |");
    }
}
