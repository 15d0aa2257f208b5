using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// Where the memory of the recipe goes (issue 14, item 4): resident and peak memory after each stage
/// of extracting activations — the runtime and libtorch loaded, the model loaded, its frozen copy built,
/// batches run — with the managed heap and the time since the process started beside it.
/// </summary>
internal static class MemoryBenchmark
{
    public static void Run(string data, int batch)
    {
        Console.WriteLine("| stage | since the process started | RSS | peak RSS | managed heap (live / committed) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Report("process started, libtorch loaded");
        var folder = ImageFolder.Scan(data);
        Report($"data scanned ({folder.Samples.Count} images)");
        using var source = SourceModel.Load("resnet18");
        Report("resnet18 loaded (ONNX parsed, float32 graph, channels-last)");
        string tensor = source.Resolve("pool5").Tensor;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            source.Graph.Run(zeros(1, 3, 224, 224), [tensor]);
        }

        Report("one image through the float32 graph as loaded");
        using (var scope = NewDisposeScope())
        {
            source.ComputeFrozen(zeros(1, 3, 224, 224), [tensor]);
        }

        Report($"frozen copy built ({source.Precision}, BatchNorm folded), one image through it");
        var loader = new Data.DataLoader(folder.Samples, source.Preprocessing, new Data.DataLoaderOptions { BatchSize = batch });
        int done = 0;
        foreach (var images in loader.Epoch())
        {
            using (images)
            using (var scope = NewDisposeScope())
            {
                source.ComputeFrozen(images.Images, [tensor]);
            }

            done += images.Samples.Count;
            if (done == images.Samples.Count)
            {
                Report($"first batch of {batch} through the frozen layers");
            }
        }

        Report($"all {done} images through the frozen layers");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Report("after a full garbage collection");
    }

    private static void Report(string stage)
    {
        var status = File.ReadAllLines("/proc/self/status").ToDictionary(l => l.Split(':')[0], l => l.Split(':')[1].Trim());
        static string Mb(string kb) => $"{long.Parse(kb.Split(' ')[0]) / 1024} MB";
        double elapsed = (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalSeconds;
        Console.WriteLine($"| {stage} | {elapsed:F2} s | {Mb(status["VmRSS"])} | {Mb(status["VmHWM"])} | {GC.GetTotalMemory(false) / (1 << 20)} / {GC.GetGCMemoryInfo().TotalCommittedBytes / (1 << 20)} MB |");
    }
}
