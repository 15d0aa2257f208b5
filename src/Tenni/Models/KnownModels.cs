using Tenni.Imaging;
using Tenni.Models.Architectures;
using Tenni.Onnx;
using TorchSharp;

namespace Tenni.Models;

/// <summary>The registry's entries.</summary>
public static class KnownModels
{
    private const string ResNetPackage = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    private const string ResNetPackageVersion = "0.23.1";

    /// <summary>
    /// ImageNet ResNet18 as shipped in the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1
    /// (CNTK export, opset 8, stages [2, 2, 2, 3], ends at the pooled 512 features). Its build props copy
    /// the files to <c>DnnImageModels/</c> beside every program that references Tenni.
    /// </summary>
    public static ModelDescriptor ResNet18 { get; } = new()
    {
        Name = "resnet18",
        Description = "ImageNet ResNet18 bundled with ML.NET's DnnImageFeaturizer (CNTK export, 224×224, 512 pooled features)",
        License = "MIT (Microsoft.ML.DnnImageFeaturizer.ResNet18)",
        LocateWeights = () => BundledFile("ResNet18Onnx", "ResNet18.onnx"),
        LoadPreprocessing = LoadResNet18Preprocessing,
        ResolveAliases = ResNetLayout.Resolve,
        DefaultLayer = "pool5",
    };

    // The package's own preprocessing graph: RGB→BGR (Split + Concat), then Sub of a [1,3,224,224] mean image.
    private static Preprocessing LoadResNet18Preprocessing()
    {
        var model = OnnxModelFile.Load(BundledFile("ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        var mean = model.Graph.Initializer.FirstOrDefault(t => t.Name == "MeanImage")
            ?? throw new TenniException("ResNetPreprocess.onnx holds no MeanImage; the ResNet18 package is not the expected version " + ResNetPackageVersion);
        using var values = OnnxTensors.ToTorch(mean);
        return Preprocessing.MeanImageBgr(values.data<float>().ToArray(), (int)mean.Dims[^1]);
    }

    private static string BundledFile(string folder, string file)
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "DnnImageModels", folder, file),
            Path.Combine(NuGetRoot(), ResNetPackage.ToLowerInvariant(), ResNetPackageVersion, "tools", "DnnImageModels", folder, file),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new TenniException($"the bundled model file {file} was not found (looked in {string.Join(" and ", candidates)}); build or install Tenni so that the package {ResNetPackage} {ResNetPackageVersion} is restored");
    }

    private static string NuGetRoot() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
