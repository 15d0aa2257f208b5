using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Tenni.Models;
using Tenni.Models.Architectures;
using Tenni.Onnx;
using Tenni.Training;
using TorchSharp;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace Tenni.Benchmarks;

/// <summary>
/// VGG16 with random weights (no real weights can be downloaded here; speed does not depend on the
/// values): forward images/s at one batch size (Tenni NCHW, channels-last, ONNX Runtime, round-robin,
/// medians), then the chapter's recipe (--layer fc7 --train-layers fc7, 20 epochs, batch 64) on a data
/// folder with a cold activation cache, split into extraction and training, against the uncached
/// network for a few epochs (per-epoch ratio).
/// </summary>
internal static class Vgg16Benchmark
{
    public static void Run(string data, int batch, int rounds, int threads, int uncachedEpochs)
    {
        torch.set_num_threads(threads);
        string work = Directory.CreateTempSubdirectory("tenni-vgg16-bench").FullName;
        string weights = Path.Combine(work, "vgg16-random.onnx");
        var clock = Stopwatch.StartNew();
        var model = Vgg16.Build(new RandomWeightBinder(1), WeightFamily.Caffe);
        File.WriteAllBytes(weights, model.ToByteArray());
        Console.WriteLine($"# wrote random VGG16 ({new FileInfo(weights).Length / 1e6:F0} MB) in {clock.Elapsed.TotalSeconds:F1} s");
        try
        {
            Forward(weights, batch, rounds, threads);
            Recipe(data, weights, work, uncachedEpochs);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Forward(string weights, int batch, int rounds, int threads)
    {
        using var nchw = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = weights, ChannelsLast = false });
        using var nhwc = SourceModel.Load("vgg16", new SourceModelOptions { WeightsPath = weights });
        // fc8 as an extra graph output: the logits, before the softmax saturates on random weights.
        var proto = OnnxModelFile.Load(weights);
        proto.Graph.Output.Add(new ValueInfoProto { Name = "fc8", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        using var ort = new InferenceSession(proto.ToByteArray(), new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 });
        Tensor input = randn(batch, 3, 224, 224, generator: new Generator(1)).mul(50).DetachFromDisposeScope();
        float[] values = input.data<float>().ToArray();
        var variants = new (string Name, Func<float[]> Run)[]
        {
            ("Tenni graph, NCHW", () => RoundRobin.Torch(() => nchw.Features(input, "fc8"))),
            ("Tenni graph, channels_last", () => RoundRobin.Torch(() => nhwc.Features(input, "fc8"))),
            ("ONNX Runtime", () =>
            {
                using var results = ort.Run([NamedOnnxValue.CreateFromTensor("data", new DenseTensor(values, [batch, 3, 224, 224]))], ["fc8"]);
                return results.First().AsTensor<float>().ToArray();
            }),
        };

        float[] reference = variants[2].Run();
        foreach (var (name, run) in variants)
        {
            float[] output = run();
            double scale = reference.Max(v => Math.Abs(v));
            Console.WriteLine($"# {name}: fc8 max abs diff vs ONNX Runtime = {output.Zip(reference, (a, b) => Math.Abs(a - b)).Max():G3} (largest |value| {scale:G3})");
        }

        var seconds = RoundRobin.Time(variants, rounds);

        double ortRate = batch / RoundRobin.Median(seconds["ONNX Runtime"]);
        Console.WriteLine($"\nVGG16 forward to fc8, batch {batch}, {threads} threads, {rounds} rounds (median):\n");
        Console.WriteLine("| variant | images/s | vs ONNX Runtime |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, times) in seconds)
        {
            double rate = batch / RoundRobin.Median(times);
            Console.WriteLine($"| {name} | {rate:F2} | {rate / ortRate:F2}× |");
        }
    }

    private static void Recipe(string data, string weights, string work, int uncachedEpochs)
    {
        var options = new TrainOptions
        {
            Model = "vgg16",
            Weights = weights,
            Layer = "fc7",
            TrainLayers = ["fc7"],
            CacheFolder = Path.Combine(work, "cache"),
        };

        var clock = Stopwatch.StartNew();
        var cached = TrainingRun.Train(data, Path.Combine(work, "cached"), options, TextWriter.Null);
        double cachedWall = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var uncached = TrainingRun.Train(data, Path.Combine(work, "uncached"), options with { Cache = false, Epochs = uncachedEpochs }, TextWriter.Null);
        double uncachedWall = clock.Elapsed.TotalSeconds;

        double cachedTraining = LastElapsed(cached.LogPath);
        double uncachedTraining = LastElapsed(uncached.LogPath);
        double cachedPerEpoch = cachedTraining / cached.EpochsDone;
        double uncachedPerEpoch = uncachedTraining / uncached.EpochsDone;
        Console.WriteLine($"\nThe chapter's recipe on {data}: vgg16 --layer fc7 --train-layers fc7, batch 64, Adam 1e-4 (head 1e-3):\n");
        Console.WriteLine("| run | epochs | whole run | extraction + setup | training | per epoch |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| cached (cold cache at fc6, before its dropout) | {cached.EpochsDone} | {cachedWall:F1} s | {cachedWall - cachedTraining:F1} s | {cachedTraining:F1} s | {cachedPerEpoch:F2} s |");
        Console.WriteLine($"| uncached (--no-cache) | {uncached.EpochsDone} | {uncachedWall:F1} s | {uncachedWall - uncachedTraining:F1} s | {uncachedTraining:F1} s | {uncachedPerEpoch:F2} s |");
        Console.WriteLine($"\nper-epoch ratio uncached / cached: {uncachedPerEpoch / cachedPerEpoch:F0}×; whole 20-epoch recipe, uncached estimated at {uncachedPerEpoch * 20:F0} s vs {cachedWall:F0} s cached = {uncachedPerEpoch * 20 / cachedWall:F1}×");
    }

    private static double LastElapsed(string log) =>
        JsonDocument.Parse(File.ReadAllText(log)).RootElement.EnumerateArray().Last().GetProperty("elapsed_time").GetDouble();
}
