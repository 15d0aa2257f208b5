using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tenni.Models;
using Tenni.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// ResNet18 forward images/s at one batch size: Tenni's graph executor (NCHW and channels-last), the same
/// network as a plain TorchSharp module (NCHW and channels-last), and ONNX Runtime, measured round-robin
/// in one process so machine noise hits all alike. Reports medians and ratios.
/// </summary>
internal static class ForwardBenchmark
{
    public static void Run(int batch, int rounds, int threads)
    {
        torch.set_num_threads(threads);
        using var graphNchw = SourceModel.Load("resnet18", new SourceModelOptions { ChannelsLast = false });
        using var graphNhwc = SourceModel.Load("resnet18", new SourceModelOptions { ChannelsLast = true });
        using var plain = CopyWeights(new PlainResNet(), graphNchw.Graph);
        plain.eval();
        using var ort = OrtSession(graphNchw.Descriptor.LocateWeights(), threads);
        Tensor input = randn(batch, 3, 224, 224, generator: new Generator(1)).DetachFromDisposeScope();
        Tensor inputNhwc = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).DetachFromDisposeScope();
        float[] inputValues = input.data<float>().ToArray();
        string inputName = graphNchw.Graph.InputName;

        var variants = new (string Name, Func<float[]> Run)[]
        {
            ("Tenni graph, NCHW", () => RoundRobin.Torch(() => graphNchw.Features(input, "pool5"))),
            ("Tenni graph, channels_last", () => RoundRobin.Torch(() => graphNhwc.Features(input, "pool5"))),
            ("plain TorchSharp, NCHW", () => RoundRobin.Torch(() => plain.forward(input).flatten(1))),
            ("plain TorchSharp, channels_last", () => RoundRobin.Torch(() => plain.forward(inputNhwc).flatten(1))),
            ("ONNX Runtime", () => Ort(ort, inputName, inputValues, batch)),
        };

        // Warm up, and check that all five compute the same features.
        var reference = variants[0].Run();
        foreach (var (name, run) in variants)
        {
            float[] values = run();
            double diff = values.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
            Console.WriteLine($"# {name}: max abs diff vs Tenni NCHW = {diff:G3}");
        }

        var seconds = RoundRobin.Time(variants, rounds);

        double plainRate = batch / RoundRobin.Median(seconds["plain TorchSharp, NCHW"]);
        Console.WriteLine($"\nResNet18 forward, batch {batch}, {threads} threads, {rounds} rounds (median):\n");
        Console.WriteLine("| variant | images/s | vs plain TorchSharp NCHW |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, times) in seconds)
        {
            double rate = batch / RoundRobin.Median(times);
            Console.WriteLine($"| {name} | {rate:F1} | {rate / plainRate:F2}× |");
        }
    }

    private static float[] Ort(InferenceSession session, string inputName, float[] input, int batch)
    {
        var tensor = new DenseTensor(input, [batch, 3, 224, 224]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        return results.First().AsTensor<float>().ToArray();
    }

    // The bundled file declares batch 1; make the batch dimension symbolic so ONNX Runtime takes any.
    private static InferenceSession OrtSession(string path, int threads)
    {
        var model = OnnxModelFile.Load(path);
        foreach (var value in model.Graph.Input.Concat(model.Graph.Output))
        {
            var dim = value.Type.TensorType.Shape.Dim[0];
            dim.DimParam = "N";
        }

        model.Graph.ValueInfo.Clear();
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        return new InferenceSession(model.ToByteArray(), options);
    }

    private static PlainResNet CopyWeights(PlainResNet plain, OnnxGraph graph)
    {
        var sources = graph.Layers.Where(l => l.OpType is "Conv" or "BatchNormalization").ToList();
        var targets = plain.WeightModules().ToList();
        if (sources.Count != targets.Count)
        {
            throw new InvalidOperationException($"{sources.Count} graph layers vs {targets.Count} plain modules");
        }

        using var noGrad = no_grad();
        if (Environment.GetEnvironmentVariable("TENNI_BENCH_DEBUG") is not null)
        {
            for (int i = 0; i < sources.Count; i++)
            {
                Console.WriteLine($"{sources[i].GetName()} {string.Join("x", sources[i].state_dict()["weight"].shape)} <- {targets[i].GetName()} {string.Join("x", targets[i].state_dict()["weight"].shape)}");
            }
        }

        for (int i = 0; i < sources.Count; i++)
        {
            var from = sources[i].state_dict();
            foreach (var (name, tensor) in targets[i].state_dict().Where(kv => from.ContainsKey(kv.Key)))
            {
                tensor.copy_(from[name]);
            }

            if (targets[i] is BatchNorm2d bn)
            {
                bn.eps = 1e-5;
            }
        }

        return plain;
    }
}
