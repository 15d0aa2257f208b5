using System.Diagnostics;
using Tenni.Models;
using Tenni.Onnx;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// Where the seconds before the first batch go (issue 14, end to end): libtorch loaded, the ONNX file
/// read and parsed, the graph built, the frozen copy built, the first and second batch of 32 through it;
/// and what touching fresh memory costs on this machine, which explains most of them.
/// </summary>
internal static class StartupBenchmark
{
    public static void Run()
    {
        Console.WriteLine("| stage | this stage | since the process started |");
        Console.WriteLine("|---|---:|---:|");
        var clock = Stopwatch.StartNew();
        void Report(string stage)
        {
            Console.WriteLine($"| {stage} | {clock.Elapsed.TotalSeconds:F2} s | {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds:F2} s |");
            clock.Restart();
        }

        Report("process started, libtorch loaded");
        ModelDescriptor descriptor = ModelRegistry.Get("resnet18");
        var options = new SourceModelOptions();
        LoadedWeights loaded = descriptor.ReadWeights(descriptor.LocateWeights(), options);
        Report("ONNX file read and parsed");
        using var graph = OnnxGraph.FromModel(loaded.Model, options.ChannelsLast);
        Report("graph built (float32, channels-last)");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Report("garbage collected (the mapped file released)");
        using var source = SourceModel.Load("resnet18");
        Report("SourceModel.Load, all of the above");
        string tensor = source.Resolve("pool5").Tensor;
        var batch = randn(32, 3, 224, 224);
        source.PrepareFrozen([tensor]);
        Report($"frozen copy built ({source.Precision}, {(source.RunsOwnKernels([tensor]) ? "Tenni's kernels" : "libtorch")})");
        using (var scope = NewDisposeScope())
        {
            source.ComputeFrozen(batch[..1], [tensor]);
        }

        Report("one image through it");
        for (int i = 1; i <= 3; i++)
        {
            using var scope = NewDisposeScope();
            source.ComputeFrozen(batch, [tensor]);
            Report($"batch {i} of 32 through the frozen copy");
        }

        FirstTouch(256); // last: a block touched and freed would serve the stages above from warm pages
    }

    // Writes every page of a fresh native block twice: the first pass pays the page faults (and whatever the
    // host does to back them), the second is the memory's own speed.
    private static unsafe void FirstTouch(int megabytes)
    {
        nuint bytes = (nuint)megabytes << 20;
        byte* block = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(bytes);
        try
        {
            var clock = Stopwatch.StartNew();
            new Span<byte>(block, (int)bytes).Fill(1);
            double first = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            new Span<byte>(block, (int)bytes).Fill(2);
            double second = clock.Elapsed.TotalMilliseconds;
            Console.WriteLine($"| first touch of {megabytes} MB of fresh memory (second touch {second:F0} ms) | {first / 1000:F2} s | {first * 1000 / (megabytes * 256.0):F1} µs per 4 KB page |");
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(block);
        }
    }
}
