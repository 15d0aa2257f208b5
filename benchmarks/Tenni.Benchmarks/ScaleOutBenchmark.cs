using System.Diagnostics;
using System.Globalization;
using Tenni.Features;

namespace Tenni.Benchmarks;

/// <summary>
/// Training from a million cached rows (issue 18): writes a feature store of N synthetic ResNet18 pool5
/// rows (512 float32 each, no images; once, reused), merges it, then runs the real <c>tenni train
/// --features</c> in its own process and reports its time and peak resident memory (GNU time's %M).
/// </summary>
internal static class ScaleOutBenchmark
{
    public static void Run(string store, int rows, int epochs, int batch, bool float16)
    {
        var clock = Stopwatch.StartNew();
        string marker = Path.Combine(store, $".complete-{rows}");
        if (!File.Exists(marker))
        {
            using var model = SourceModel.Load("resnet18");
            var metadata = StoreMetadata.For(model, "pool5", ["a", "b"], store, shards: 4, chunkRows: 16_384, float16);
            SyntheticStore.Write(store, metadata, rows);
            File.WriteAllText(marker, "");
        }

        long bytes = new DirectoryInfo(store).EnumerateFiles("*.rows", SearchOption.AllDirectories).Sum(f => f.Length);
        Console.WriteLine($"| generate (or reuse) {rows:N0} rows in 4 shards | {clock.Elapsed.TotalSeconds:F1} s | {bytes / 1048576.0:N0} MiB of rows |");
        clock.Restart();
        FeatureStoreCheck.Merge(store);
        Console.WriteLine($"| features merge (verify checksums, write merged.tsv) | {clock.Elapsed.TotalSeconds:F1} s | |");

        string run = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(store))!, $"run-{DateTime.UtcNow:HHmmss}");
        var (elapsed, peak, output) = Tenni("train", "--features", store, "--out", run, "--epochs", $"{epochs}", "--batch", $"{batch}", "--head-solver", "Gradient", "--lr", "1e-3");
        string done = output.Split('\n').LastOrDefault(l => l.StartsWith("done:", StringComparison.Ordinal)) ?? output;
        Console.WriteLine($"| tenni train --features, {epochs} epochs, batch {batch} | {elapsed.TotalSeconds:F1} s | peak RSS {peak / 1048576.0:F0} MiB |");
        Console.WriteLine($"\n{done}");
        Directory.Delete(run, recursive: true);
    }

    private static (TimeSpan Elapsed, long PeakBytes, string Output) Tenni(params string[] args)
    {
        string rss = Path.GetTempFileName();
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true };
        foreach (string a in (string[])["-f", "%M", "-o", rss, "dotnet", Path.Combine(AppContext.BaseDirectory, "Tenni.Cli.dll"), .. args])
        {
            start.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        long kb = long.Parse(File.ReadAllText(rss).Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
        File.Delete(rss);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tenni {string.Join(' ', args)} exited with {process.ExitCode}:\n{output}");
        }

        return (clock.Elapsed, kb * 1024, output);
    }
}
