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
        var preprocessing = KnownModels.ResNet18.LoadPreprocessing();
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
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
