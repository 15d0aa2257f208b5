using System.CommandLine;
using Tenni.Models;

namespace Tenni.Cli.Commands;

/// <summary>Options shared by the commands that load a source model.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = $"Source model ({string.Join(", ", ModelRegistry.Names)}), or the path of any ONNX image classifier (file.onnx: stages stage1…N, pool, logits found from its structure)",
        DefaultValueFactory = _ => "resnet18",
    };

    public static Option<string?> Weights() => new("--weights")
    {
        Description = "Weights file: ONNX, PyTorch checkpoint (.pth), .safetensors or Chainer .npz, found from its content (needed for every model but resnet18)",
    };

    public static Option<WeightFamily?> Preprocessing() => new("--preprocessing")
    {
        Description = "Preprocessing of another weight family than the file's own: Caffe (BGR minus mean, Chainer's prepare), Torchvision (RGB normalized), Caffe2 (BGR normalized, Caffe2's ResNet-50), Inception (RGB x/127.5 − 1) or Unit (RGB 0..1)",
    };

    /// <summary>The frozen layers' arithmetic; <paramref name="forModel"/>: prediction, whose default is what the model trained with.</summary>
    public static Option<Precision?> Precision(bool forModel = false) => new("--precision")
    {
        Description = forModel
            ? "Frozen layers in Fp32 or Bf16 instead of what the model trained with (model.json; Auto: this machine's choice)"
            : "Frozen layers' arithmetic: Auto (default: bf16 where the CPU computes it natively and the model is measured with it, else fp32), Fp32 or Bf16; trained layers and the head are always fp32",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "cpu (default) or cuda (needs a build of Tenni against TorchSharp's CUDA packages: see the README)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The device the command runs on, or the one-line error that says what this build can do.</summary>
    public static string CheckDevice(ParseResult parsed, Option<string> device) => Native.Devices.Check(parsed.GetValue(device)!);

    /// <summary>A count option's value, or the one-line error that says what is valid.</summary>
    public static int Positive(int value, string name) =>
        value > 0 ? value : throw new TenniException($"{name} must be at least 1, got {value}");

    public static SourceModel LoadModel(ParseResult parsed, Option<string> model, Option<string?> weights, Option<WeightFamily?> preprocessing, Option<Precision?>? precision = null, Option<string>? device = null) =>
        SourceModel.Load(parsed.GetValue(model)!, new SourceModelOptions
        {
            WeightsPath = parsed.GetValue(weights),
            Preprocessing = parsed.GetValue(preprocessing),
            Precision = precision is null ? Tenni.Precision.Auto : parsed.GetValue(precision) ?? Tenni.Precision.Auto,
            Device = device is null ? Native.Devices.Cpu : CheckDevice(parsed, device),
        });
}
