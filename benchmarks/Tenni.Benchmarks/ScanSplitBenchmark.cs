using System.Diagnostics;
using Tenni.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// The one-decode pass (scan + activation cache, issue 14), decoding and the forward pass taking turns,
/// with the scan on 1 or 2 workers and 2 or 4 batches a turn, against the two-pass way (scan, then the
/// cache's own extraction), round-robin, cold cache each time: how to share the cores.
/// </summary>
internal static class ScanSplitBenchmark
{
    public static void Run(string data, int rounds, Precision precision)
    {
        set_num_threads(2);
        using var source = SourceModel.Load("resnet18", new SourceModelOptions { Precision = precision });
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
            ("forward only, on a new thread", () => { var t = new Thread(() => ForwardOnly(source, tensor, real)); t.Start(); t.Join(); return []; }),
            ("forward only, on a long-running task", () => { Task.Factory.StartNew(() => ForwardOnly(source, tensor, real), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Wait(); return []; }),
            ("one pass taking turns, 2 batches of 16 a turn, scan on 2 workers", () => OnePass(source, tensor, data, root, 2, 2)),
            ("one pass taking turns, 4 batches of 16 a turn (the default), scan on 2 workers", () => OnePass(source, tensor, data, root, 2, 4)),
            ("one pass taking turns, 4 batches of 16 a turn, scan on 1 worker", () => OnePass(source, tensor, data, root, 1, 4)),
            ("scan only (decode + check + preprocess, no forward)", () => ScanOnly(source, data, 2)),
            ("two passes (scan, then extraction)", () => TwoPasses(source, tensor, data, root)),
        };
        ForwardOnly(source, tensor, real); // warm-up: oneDNN's kernels and the allocator's pages, so the first variant pays nothing extra
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

    private static float[] OnePass(SourceModel source, string tensor, string data, string root, int workers, int batchesPerTurn)
    {
        var cache = Fresh(source, tensor, root);
        new ScanExtraction(source.Preprocessing, null, batchesPerTurn: batchesPerTurn).Run((decoded, cancel) => ImageFolder.Scan(data, new ImageFolderOptions { Decoded = decoded, Workers = workers, Cancel = cancel }), () => cache);
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
