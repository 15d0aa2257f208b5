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
    /// <param name="only">Comma-separated parts of variant names to run (ONNX Runtime always runs, as the reference); null runs them all.</param>
    public static void Run(int batch, int rounds, int threads, string? only = null)
    {
        torch.set_num_threads(threads);
        using var fp32 = SourceModel.Load("resnet18", new SourceModelOptions { Precision = Precision.Fp32 });
        using var bf16 = SourceModel.Load("resnet18", new SourceModelOptions { Precision = Precision.Bf16 });
        using var fp32Libtorch = SourceModel.Load("resnet18", new SourceModelOptions { Precision = Precision.Fp32 });
        fp32Libtorch.UseBlockedKernels = false;
        using var bf16Libtorch = SourceModel.Load("resnet18", new SourceModelOptions { Precision = Precision.Bf16 });
        bf16Libtorch.UseBlockedKernels = false;
        using var graphNchw = SourceModel.Load("resnet18", new SourceModelOptions { ChannelsLast = false, Precision = Precision.Fp32 });
        using var plain = CopyWeights(new PlainResNet(), graphNchw.Graph);
        plain.eval();
        using var ort = OrtSession(fp32.Descriptor.LocateWeights(), threads);
        Tensor input = randn(batch, 3, 224, 224, generator: new Generator(1)).DetachFromDisposeScope();
        Tensor inputNhwc = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).DetachFromDisposeScope();
        float[] inputValues = input.data<float>().ToArray();
        string inputName = fp32.Graph.InputName;
        string pool5 = fp32.Resolve("pool5").Tensor;
        using var direct = Tenni.Onnx.Blocked.BlockedPlan.TryCompile(fp32.FrozenCopy([pool5]), [pool5], out _, winograd: false);
        using var bf16Direct = Tenni.Onnx.Blocked.Bf16Convolution.Supported ? Tenni.Onnx.Blocked.BlockedPlan.TryCompile(fp32.FrozenCopy([pool5]), [pool5], out _, winograd: false, bf16: true) : null;

        var variants = new List<(string Name, Func<float[]> Run)>
        {
            ("Tenni fp32 (BatchNorm folded, channels_last)", () => RoundRobin.Torch(() => fp32.Features(input, "pool5"))),
            ("Tenni fp32, direct convolutions only (no Winograd)", () => RoundRobin.Torch(() => direct!.Run(input, [pool5])![pool5].flatten(1))),
            ("Tenni fp32 in libtorch (oneDNN; BatchNorm folded, channels_last)", () => RoundRobin.Torch(() => fp32Libtorch.Features(input, "pool5"))),
            ($"Tenni bf16 ({(bf16.RunsOwnKernels([pool5]) ? "Tenni's kernels" : "libtorch")}; BatchNorm folded)", () => RoundRobin.Torch(() => bf16.Features(input, "pool5"))),
            ("Tenni bf16 in libtorch (oneDNN; BatchNorm folded, channels_last)", () => RoundRobin.Torch(() => bf16Libtorch.Features(input, "pool5"))),
            ("Tenni bf16, direct convolutions only (no Winograd)", () => RoundRobin.Torch(() => bf16Direct!.Run(input, [pool5])![pool5].flatten(1))),
            ("Tenni fp32, graph as loaded (BatchNorm unfolded)", () => RoundRobin.Torch(() => fp32.Graph.Run(input, [pool5])[pool5].flatten(1))),
            ("Tenni fp32, NCHW, unfolded", () => RoundRobin.Torch(() => graphNchw.Graph.Run(input, [pool5])[pool5].flatten(1))),
            ("plain TorchSharp, channels_last", () => RoundRobin.Torch(() => plain.forward(inputNhwc).flatten(1))),
            ("ONNX Runtime", () => Ort(ort, inputName, inputValues, batch)),
        };
        if (bf16Direct is null)
        {
            variants.RemoveAll(v => v.Name.StartsWith("Tenni bf16, direct", StringComparison.Ordinal)); // no AVX512_BF16 here
        }

        if (only is not null)
        {
            var parts = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            variants.RemoveAll(v => v.Name != "ONNX Runtime" && !parts.Any(p => v.Name.Contains(p, StringComparison.OrdinalIgnoreCase)));
        }

        using var python = only is null || only.Contains("PyTorch", StringComparison.OrdinalIgnoreCase) ? PyTorchForward.Start(plain, input, threads) : null;
        if (python is not null)
        {
            variants.Add(("PyTorch fp32, channels_last", () => python.Time("fp32")));
            variants.Add(("PyTorch bf16 (autocast), channels_last", () => python.Time("bf16")));
        }

        // Warm up, and check that all compute the same features (bf16 to its own precision).
        var reference = Ort(ort, inputName, inputValues, batch);
        double scale = reference.Max(Math.Abs);
        foreach (var (name, run) in variants)
        {
            float[] values = name.StartsWith("PyTorch", StringComparison.Ordinal) ? python!.Run(name.Contains("bf16") ? "bf16" : "fp32") : run();
            double diff = values.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
            string why = name.StartsWith("plain", StringComparison.Ordinal) ? " (symmetric padding where the file pads asymmetrically: a speed yardstick only)" : "";
            Console.WriteLine($"# {name}: max abs diff vs ONNX Runtime = {diff:G3} ({diff / scale:G3} of the largest value {scale:G3}){why}");
        }

        var seconds = RoundRobin.Time(variants, rounds);

        double ortRate = batch / RoundRobin.Median(seconds["ONNX Runtime"]);
        double fp32Rate = batch / RoundRobin.Median(seconds[variants[0].Name]);
        Console.WriteLine($"\nResNet18 forward to pool5, batch {batch}, {threads} threads, {rounds} rounds (median), {Native.CpuFeatures.ModelName}:\n");
        Console.WriteLine("| variant | images/s | vs ONNX Runtime | vs Tenni fp32 |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, times) in seconds)
        {
            double rate = batch / RoundRobin.Median(times);
            Console.WriteLine($"| {name} | {rate:F1} | {rate / ortRate:F2}× | {rate / fp32Rate:F2}× |");
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
