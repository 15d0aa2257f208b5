using System.Diagnostics;
using Tenni.Features;
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
        var variants = new List<(string Name, Func<float[]> Run)>
        {
            ("one pass, scan on 2 workers", () => OnePass(source, tensor, data, root, 2)),
            ("one pass, scan on 1 worker", () => OnePass(source, tensor, data, root, 1)),
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
