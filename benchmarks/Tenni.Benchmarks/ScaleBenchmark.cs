using System.Diagnostics;
using SkiaSharp;
using Tenni.Data;
using Tenni.Models;

namespace Tenni.Benchmarks;

/// <summary>
/// Memory at scale: generates N small JPEGs in two class folders (once), then scans, splits and streams
/// every image through the DataLoader with the bundled ResNet18's preprocessing (224×224), reporting
/// time and peak resident memory (VmHWM) after each stage.
/// </summary>
internal static class ScaleBenchmark
{
    public static void Run(string folder, int count, int batch)
    {
        var clock = Stopwatch.StartNew();
        Generate(folder, count);
        Report("generate (or reuse) files", clock);

        var scanned = ImageFolder.Scan(folder);
        Report($"scan {scanned.Samples.Count} files", clock);

        var split = DatasetSplit.Random(scanned);
        Report($"split {split.Train.Count}/{split.Validation.Count}", clock);

        var preprocessing = KnownModels.ResNet18Preprocessing();
        using (var warm = TorchSharp.torch.ones(1))
        {
            Report("load libtorch (first tensor)", clock);
        }

        var loader = new DataLoader(scanned.Samples, preprocessing, new DataLoaderOptions { BatchSize = batch, Shuffle = true });
        long images = 0;
        double checksum = 0;
        int batches = 0;
        foreach (var b in loader.Epoch(0))
        {
            images += b.Images.shape[0];
            checksum += b.Labels.sum().item<long>();
            b.Dispose();
            if (++batches is 10 or 100 or 500)
            {
                Report($"  … after {images} images", clock);
            }
        }

        Report($"stream {images} images through the loader (batch {batch}, prefetch 2; label sum {checksum})", clock);
        long batchBytes = (long)batch * preprocessing.Length * sizeof(float);
        Console.WriteLine($"\none batch of float32 inputs = {batchBytes / 1048576.0:F1} MiB; the loader holds at most prefetch + 2 = 4 batches = {4 * batchBytes / 1048576.0:F1} MiB; all {images} images as float32 would be {images * preprocessing.Length * 4.0 / (1 << 30):F1} GiB");
    }

    private static void Report(string stage, Stopwatch clock)
    {
        Console.WriteLine($"| {stage} | {clock.Elapsed.TotalSeconds:F1} s | {PeakRssMiB():F0} MiB | {CurrentRssMiB():F0} MiB |");
    }

    private static double PeakRssMiB() => StatusKiB("VmHWM:") / 1024.0;

    private static double CurrentRssMiB() => StatusKiB("VmRSS:") / 1024.0;

    private static long StatusKiB(string key) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0]);

    private static void Generate(string folder, int count)
    {
        string marker = Path.Combine(folder, $".complete-{count}");
        if (File.Exists(marker))
        {
            return;
        }

        foreach (string name in new[] { "a", "b" })
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
        }

        Parallel.For(0, count, i =>
        {
            using var bitmap = new SKBitmap(32, 32);
            bitmap.Erase(new SKColor((byte)i, (byte)(i >> 8), (byte)(i >> 16)));
            bitmap.SetPixel(i % 32, (i / 32) % 32, SKColors.White);
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            File.WriteAllBytes(Path.Combine(folder, i % 2 == 0 ? "a" : "b", $"{i:D6}.jpg"), data.ToArray());
        });
        File.WriteAllText(marker, "");
    }
}
