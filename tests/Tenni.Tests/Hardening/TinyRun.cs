using Tenni.Tests.Support;
using Tenni.Training;

namespace Tenni.Tests.Hardening;

/// <summary>
/// Training end to end in about a second: ResNet50 at 1/16 width with random weights, on a dozen
/// generated images, so snapshot and cache damage can be tested through <see cref="TrainingRun"/>
/// without the 63 MB model.
/// </summary>
internal sealed class TinyRun
{
    public TinyRun()
    {
        string folder = Directory.CreateTempSubdirectory("tenni-tiny").FullName;
        Weights = RandomWeightFiles.Write("resnet50", "safetensors", folder, divisor: 16).Path;
        Data = TempDataset.Create(("a", 6), ("b", 6));
        CacheFolder = Path.Combine(folder, "cache");
        Folder = Path.Combine(folder, "run");
    }

    public string Weights { get; }

    public string Data { get; }

    public string CacheFolder { get; }

    public string Folder { get; }

    // The gradient recipe: snapshots of an optimizer are what these runs test (the default would fit 12 photos with L-BFGS).
    public TrainOptions Options => new() { Model = "resnet50", Weights = Weights, WidthDivisor = 16, Epochs = 2, BatchSize = 4, CacheFolder = CacheFolder, HeadSolver = HeadSolver.Gradient };

    /// <summary>Trains into <see cref="Folder"/> (or <paramref name="folder"/>); returns what the run printed.</summary>
    public string Train(TrainOptions options, bool resume = false, string? folder = null)
    {
        var output = new StringWriter();
        TrainingRun.Train(Data, folder ?? Folder, options, output, resume);
        return output.ToString();
    }
}
