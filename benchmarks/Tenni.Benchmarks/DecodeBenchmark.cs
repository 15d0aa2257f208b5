using System.Diagnostics;
using Tenni.Imaging;
using Tenni.Models;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>Decode + resize + preprocess images/s over a folder, on all cores, as feature extraction does it.</summary>
internal static class DecodeBenchmark
{
    public static void Run(string folder, int rounds)
    {
        var files = ImageFiles.Expand([folder]);
        var preprocessing = KnownModels.ResNet18Preprocessing();
        var decodeOnly = new List<double>();
        var full = new List<double>();
        int good = 0;
        for (int round = 0; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var images = new RgbImage?[files.Count];
            Parallel.For(0, files.Count, i =>
            {
                try
                {
                    images[i] = ImageDecoder.Decode(files[i]);
                }
                catch (TenniException)
                {
                }
            });
            decodeOnly.Add(clock.Elapsed.TotalSeconds);
            good = images.Count(i => i is not null);
            Parallel.ForEach(images.Where(i => i is not null), image =>
            {
                using Tensor t = preprocessing.ToTensor(image!);
            });
            full.Add(clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"\nDecode + preprocess, {files.Count} files ({good} images) in {folder}, {Environment.ProcessorCount} cores, {rounds} rounds (median):\n");
        Console.WriteLine("| stage | images/s |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| decode (SkiaSharp SKCodec) | {good / Median(decodeOnly):F1} |");
        Console.WriteLine($"| decode + resize 224 + mean image | {good / Median(full):F1} |");

        // The target: decoding at least 4× the forward pass, measured in the same process.
        using var model = SourceModel.Load("resnet18");
        using var input = randn(32, 3, 224, 224);
        var forward = new List<double>();
        for (int round = 0; round < rounds + 1; round++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var clock = Stopwatch.StartNew();
            model.Features(input);
            if (round > 0)
            {
                forward.Add(clock.Elapsed.TotalSeconds);
            }
        }

        double forwardRate = 32 / Median(forward);
        Console.WriteLine($"| ResNet18 forward, batch 32 (same process) | {forwardRate:F1} |");
        Console.WriteLine($"\ndecode + preprocess / forward = {good / Median(full) / forwardRate:F1}× (target ≥ 4×)");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
