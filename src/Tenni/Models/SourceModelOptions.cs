using Tenni.Models;

namespace Tenni;

/// <summary>Options for <see cref="SourceModel.Load"/>.</summary>
public sealed record SourceModelOptions
{
    /// <summary>A weights file to use instead of the registry's.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>
    /// Run convolutions in the channels-last (NHWC) memory layout, which oneDNN prefers. On by default:
    /// 1.3–1.7× the NCHW throughput for ResNet18 at batch 32 on 2 cores here (docs/benchmarks.md).
    /// </summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>
    /// Whose preprocessing to use; null: the weight file's own family (Chainer .npz → Caffe, torchvision
    /// checkpoints → torchvision, ONNX files → from their producer, else the model's usual origin).
    /// </summary>
    public WeightFamily? Preprocessing { get; init; }

    /// <summary>The arithmetic of frozen layers (<see cref="Tenni.Precision"/>); resolved at load into <see cref="SourceModel.Precision"/>.</summary>
    public Precision Precision { get; init; } = Precision.Auto;

    /// <summary>The libtorch device the model runs on: cpu, or cuda with a CUDA build of TorchSharp (<see cref="Native.Devices"/>).</summary>
    public string Device { get; init; } = Native.Devices.Cpu;

    /// <summary>Divides every layer width of the architectures Tenni writes (tests run reduced networks with the real structure).</summary>
    internal int WidthDivisor { get; init; } = 1;
}
