using Google.Protobuf;
using Onnx;
using Tenni.Models;
using Tenni.Models.Architectures;

namespace Tenni.Tests.Support;

/// <summary>
/// A network with random weights written by Tenni's architecture writer (the ONNX reference for ONNX
/// Runtime) and the same weights as a file in one of the formats users have.
/// </summary>
internal sealed record RandomWeightFiles(ModelProto Reference, string Path, WeightFamily Family, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> Arrays)
{
    public static WeightFamily FamilyOf(string format) =>
        format is "npz" or "onnx-caffe" ? WeightFamily.Caffe : WeightFamily.Torchvision;

    /// <summary>Writes <paramref name="model"/> (reduced by <paramref name="divisor"/>) with random weights as <paramref name="format"/>: npz, pth, pth-legacy, pth-tar, safetensors, safetensors-f16, onnx-caffe, onnx-torch.</summary>
    public static RandomWeightFiles Write(string model, string format, string folder, int divisor, int seed = 7)
    {
        var family = FamilyOf(format);
        var binder = new RandomWeightBinder(seed);
        ModelProto reference = KnownModels.ArchitectureOf(model).Build(binder, family, divisor);
        var arrays = binder.Arrays;
        if (format == "safetensors-f16")
        {
            // The file holds half precision: the reference must hold the same rounded values.
            arrays = arrays.Select(a => (a.Name, a.Shape, a.Values.Select(v => (float)(Half)v).ToArray())).ToList();
            reference = KnownModels.ArchitectureOf(model).Build(new ReplayBinder(arrays), family, divisor);
        }

        // Real files carry BatchNorm's counters as integers: the loader must skip them.
        var counters = arrays.Where(a => a.Name.EndsWith(".running_var", StringComparison.Ordinal))
            .Select(a => (a.Name[..^".running_var".Length] + ".num_batches_tracked", 100L)).ToList();
        var chainerCounters = arrays.Where(a => a.Name.EndsWith("/avg_var", StringComparison.Ordinal))
            .Select(a => (a.Name[..^"/avg_var".Length] + "/N", 0L)).ToList();
        string path = System.IO.Path.Combine(folder, $"{model}-{format}.weights");
        switch (format)
        {
            case "npz":
                // Chainer converts the Caffe models with save_npz(..., compression=False).
                WeightFileWriter.WriteNpz(path, arrays, compressed: false, chainerCounters);
                break;
            case "pth":
                WeightFileWriter.WriteTorchZip(path, arrays, model, counters);
                break;
            case "pth-legacy":
                WeightFileWriter.WriteTorchLegacy(path, arrays);
                break;
            case "pth-tar":
                WeightFileWriter.WriteTorchTar(path, arrays);
                break;
            case "safetensors":
                WeightFileWriter.WriteSafetensors(path, arrays, "F32", counters);
                break;
            case "safetensors-f16":
                WeightFileWriter.WriteSafetensors(path, arrays, "F16", counters);
                break;
            default:
                File.WriteAllBytes(path, reference.ToByteArray());
                break;
        }

        return new RandomWeightFiles(reference, path, family, arrays.ToDictionary(a => a.Name, a => (a.Shape, a.Values)));
    }

    private sealed class ReplayBinder(List<(string Name, long[] Shape, float[] Values)> arrays) : WeightBinder
    {
        private readonly Dictionary<string, float[]> _values = arrays.ToDictionary(a => a.Name, a => a.Values);

        public override float[] Take(string key, long[] shape, string layer) => _values[key];
    }
}
