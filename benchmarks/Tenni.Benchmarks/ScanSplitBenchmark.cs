using System.Diagnostics;
using Tenni.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// The one-decode pass (scan + activation cache, issue 14) with the scan's decoding spread over 1 or 2
/// workers while the forward thread runs libtorch on 2 threads, and the two-pass way (scan, then the
/// cache's own extraction), round-robin, cold cache each time: how to split two cores.
/// </summary>
internal static class ScanSplitBenchmark
{
    public static void Run(string data, int rounds)
    {
        set_num_threads(2);
        using var source = SourceModel.Load("resnet18");
        string tensor = source.Resolve("pool5").Tensor;
        string root = Directory.CreateTempSubdirectory("tenni-bench-scan-").FullName;
        var folder = ImageFolder.Scan(data);
        var real = new Data.DataLoader(folder.Samples, source.Preprocessing, new Data.DataLoaderOptions { BatchSize = 32 }).Epoch().Select(b => b.Images).ToList();
        var noise = real.Select(b => (randn(b.shape, generator: new torch.Generator(1)) * 50).DetachFromDisposeScope()).ToList();
        var unit = real.Select(b => randn(b.shape, generator: new torch.Generator(1)).DetachFromDisposeScope()).ToList();
        var variants = new List<(string Name, Func<float[]> Run)>
        {
            ("forward only, the photos' batches (decoded beforehand)", () => ForwardOnly(source, tensor, real)),
            ("forward only, as many random batches (std 50, as the photos)", () => ForwardOnly(source, tensor, noise)),
            ("forward only, as many random batches (std 1)", () => ForwardOnly(source, tensor, unit)),
            ("forward only, the first photo batch 12 times", () => ForwardOnly(source, tensor, [.. Enumerable.Repeat(real[0], 12)])),
            ("one pass, scan on 2 workers", () => OnePass(source, tensor, data, root, 2)),
            ("one pass, scan on 1 worker", () => OnePass(source, tensor, data, root, 1)),
            ("one pass, scan on 1 worker, torch on 1 thread", () => WithThreads(1, () => OnePass(source, tensor, data, root, 1))),
            ("one pass, scan on 2 workers, torch on 1 thread", () => WithThreads(1, () => OnePass(source, tensor, data, root, 2))),
            ("scan only (decode + check + preprocess, no forward)", () => ScanOnly(source, data, 2)),
            ("two passes (scan, then extraction)", () => TwoPasses(source, tensor, data, root)),
        };
        var seconds = RoundRobin.Time(variants, rounds);
        Console.WriteLine($"\nScan + activation cache of {data}, resnet18 to pool5, {source.Precision}, torch on 2 threads, {rounds} rounds (median):\n");
        Console.WriteLine("| variant | wall | vs two passes |");
        Console.WriteLine("|---|---:|---:|");
        double baseline = RoundRobin.Median(seconds[variants[^1].Name]);
        foreach (var (name, times) in seconds)
        {
            double median = RoundRobin.Median(times);
            Console.WriteLine($"| {name} | {median:F2} s | {baseline / median:F2}× faster |");
        }

        Directory.Delete(root, recursive: true);
    }

    private static float[] OnePass(SourceModel source, string tensor, string data, string root, int workers)
    {
        var cache = Fresh(source, tensor, root);
        using var scan = new ScanExtraction(cache, source.Preprocessing, null);
        ImageFolder.Scan(data, new ImageFolderOptions { Decoded = scan.Accept, Workers = workers });
        scan.Complete();
        return [];
    }

    private static float[] ForwardOnly(SourceModel source, string tensor, List<Tensor> batches)
    {
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            source.ComputeFrozen(batch, [tensor]);
        }

        return [];
    }

    private static float[] WithThreads(int threads, Func<float[]> run)
    {
        set_num_threads(threads);
        try
        {
            return run();
        }
        finally
        {
            set_num_threads(2);
        }
    }

    private static float[] ScanOnly(SourceModel source, string data, int workers)
    {
        var p = source.Preprocessing;
        ImageFolder.Scan(data, new ImageFolderOptions { Decoded = image => p.Normalize(p.Fit(image.Image), new float[p.Length]), Workers = workers });
        return [];
    }

    private static float[] TwoPasses(SourceModel source, string tensor, string data, string root)
    {
        var folder = ImageFolder.Scan(data);
        using var rows = Fresh(source, tensor, root).Load(folder.Samples, null, Path.Combine(root, "scratch"));
        return [];
    }

    private static FeatureCache Fresh(SourceModel source, string tensor, string root)
    {
        string folder = Path.Combine(root, "cache");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return new FeatureCache(source, null, tensor, folder);
    }
}
