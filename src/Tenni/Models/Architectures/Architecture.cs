using Onnx;
using Tenni.IO.Weights;
using Tenni.Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// One network that users bring weights for: how to write it for each weight family, the family of
/// networks whose preprocessing and layer names it shares, and which weight family an ONNX file of it
/// most likely belongs to.
/// </summary>
/// <param name="Name">The registry name.</param>
/// <param name="Build">Writes the network with weights from a binder (family, width divisor for reduced test networks).</param>
/// <param name="Family">The preprocessing each weight family expects, the friendly layer names and the default layer.</param>
/// <param name="OnnxFamily">The family assumed for ONNX files whose producer does not say (the ONNX model zoo's origin).</param>
/// <param name="NormalizeOnnx">Brings an ONNX file to Chainer's semantics (VGG16: dropout after fc6 and fc7).</param>
/// <param name="Caffe2Files">The family of ONNX files Caffe2 wrote: Caffe for models Caffe2 converted from Caffe (BVLC's GoogLeNet), Caffe2 for those it trained (ResNet-50).</param>
internal sealed record Architecture(
    string Name,
    Func<WeightBinder, WeightFamily, int, ModelProto> Build,
    ModelFamily Family,
    WeightFamily OnnxFamily,
    Func<ModelProto, ModelProto>? NormalizeOnnx = null,
    WeightFamily Caffe2Files = WeightFamily.Caffe)
{
    /// <summary>Reads a weights file of any supported format, found from its content.</summary>
    public LoadedWeights Read(string path, int divisor = 1)
    {
        WeightFormat format = WeightFiles.Detect(path);
        if (format == WeightFormat.Onnx)
        {
            ModelProto onnx = OnnxModelFile.Load(path);
            return new LoadedWeights(NormalizeOnnx?.Invoke(onnx) ?? onnx, FamilyOf(onnx), "ONNX");
        }

        using var read = WeightFiles.ReadArrays(path);
        var arrays = WithoutWrapperPrefix(read);
        WeightFamily family = format == WeightFormat.NumpyNpz ? WeightFamily.Caffe : WeightFamily.Torchvision;
        ModelProto model = Build(new FileWeightBinder(arrays, path, Name), family, divisor);
        return new LoadedWeights(model, family, format switch
        {
            WeightFormat.NumpyNpz => "Chainer .npz",
            WeightFormat.Safetensors => "safetensors",
            WeightFormat.TorchLegacy => "PyTorch checkpoint (legacy format)",
            WeightFormat.TorchTar => "PyTorch checkpoint (tar format)",
            _ => "PyTorch checkpoint",
        });
    }

    private WeightFamily FamilyOf(ModelProto model)
    {
        string producer = model.ProducerName.ToLowerInvariant();
        return producer.Contains("caffe2", StringComparison.Ordinal) ? Caffe2Files
            : producer.Contains("caffe", StringComparison.Ordinal) || producer.Contains("chainer", StringComparison.Ordinal) ? WeightFamily.Caffe
            : producer.Contains("pytorch", StringComparison.Ordinal) ? WeightFamily.Torchvision
            : OnnxFamily;
    }

    // DataParallel checkpoints prefix every key with "module."; Chainer serializers may lead with "/".
    private static IReadOnlyDictionary<string, WeightArray> WithoutWrapperPrefix(IReadOnlyDictionary<string, WeightArray> arrays)
    {
        foreach (string prefix in new[] { "module.", "/" })
        {
            if (arrays.Count > 0 && arrays.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return arrays.ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
            }
        }

        return arrays;
    }
}
