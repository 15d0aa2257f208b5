using Tenni.Imaging;
using Tenni.IO.Weights;
using Tenni.Models.Architectures;
using Tenni.Onnx;
using TorchSharp;

namespace Tenni.Models;

/// <summary>The registry's entries.</summary>
internal static class KnownModels
{
    private const string ResNetPackage = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    private const string ResNetPackageVersion = "0.23.1";

    private static readonly Architecture Vgg16Architecture = new(
        "vgg16", Architectures.Vgg16.Build, ModelFamily.Vgg, WeightFamily.Torchvision, m => ChainerDropout.AddToFirstFullyConnected(m, 2, 0.5f));

    private static readonly Architecture GoogLeNetArchitecture = new(
        "googlenet", Architectures.GoogLeNet.Build, ModelFamily.GoogLeNet, WeightFamily.Caffe, TorchvisionInputTransform.Remove);

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
        ReadWeights = (path, _) => WeightFiles.Detect(path) == WeightFormat.Onnx
            ? new LoadedWeights(OnnxModelFile.Load(path), null, "ONNX")
            : throw new TenniException($"resnet18 reads ONNX files only (the bundled CNTK export is one); '{path}' is another format: for torchvision or Chainer weights use resnet50, resnet101 or resnet152"),
        PreprocessingFor = family => family is { } asked ? ModelFamily.ResNet.PreprocessingFor(asked) : ResNet18Preprocessing(),
        WeightsDecidePreprocessing = false, // ONNX files carry no weight family: only --preprocessing changes it
        ResolveAliases = ModelFamily.ResNet.ResolveAliases,
        DefaultLayer = ModelFamily.ResNet.DefaultLayer,
        Bf16Measured = "docs/benchmarks.md: the same validation accuracy as float32 on 5 seeds of two datasets",
    };

    /// <summary>
    /// VGG16 as in the chapter (Chainer's <c>VGG16Layers</c>): from <c>VGG_ILSVRC_16_layers.npz</c>,
    /// torchvision's <c>vgg16-397923af.pth</c> (or .safetensors) or an ONNX file. No weights are bundled.
    /// </summary>
    public static ModelDescriptor Vgg16 { get; } = FromFiles(
        Vgg16Architecture,
        "VGG16 (ImageNet, 138 M parameters; Chainer's VGG16Layers names)",
        "VGG_ILSVRC_16_layers.npz (Chainer converts it from the Caffe model VGG_ILSVRC_16_layers.caffemodel), torchvision's vgg16-397923af.pth, or the ONNX model zoo's vgg16-*.onnx");

    /// <summary>GoogLeNet (Inception v1) with Chainer's names, from <c>bvlc_googlenet.npz</c>, torchvision's checkpoint or ONNX.</summary>
    public static ModelDescriptor GoogLeNet { get; } = FromFiles(
        GoogLeNetArchitecture,
        "GoogLeNet / Inception v1 (ImageNet, 7 M parameters; Chainer's GoogLeNet names)",
        "bvlc_googlenet.npz (Chainer converts it from BVLC's bvlc_googlenet.caffemodel), torchvision's googlenet-1378be20.pth, or the ONNX model zoo's googlenet-*.onnx");

    public static ModelDescriptor ResNet50 { get; } = ResNet(50, "25.6");

    public static ModelDescriptor ResNet101 { get; } = ResNet(101, "44.5");

    public static ModelDescriptor ResNet152 { get; } = ResNet(152, "60.2");

    /// <summary>The bundled ResNet18's own preprocessing graph: RGB→BGR (Split + Concat), then Sub of a [1,3,224,224] mean image.</summary>
    public static Preprocessing ResNet18Preprocessing()
    {
        var model = OnnxModelFile.Load(BundledFile("ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        var mean = model.Graph.Initializer.FirstOrDefault(t => t.Name == "MeanImage")
            ?? throw new TenniException("ResNetPreprocess.onnx holds no MeanImage; the ResNet18 package is not the expected version " + ResNetPackageVersion);
        // Read without libtorch: a training run knows its preprocessing, and starts decoding photos, before libtorch loads.
        return Preprocessing.MeanImageBgr(OnnxTensors.Floats(mean), (int)mean.Dims[^1]);
    }

    private static ModelDescriptor ResNet(int depth, string parameters) => FromFiles(
        ResNetArchitecture(depth),
        $"ResNet{depth} (ImageNet, {parameters} M parameters; Chainer's ResNet{depth}Layers names)",
        $"ResNet-{depth}-model.npz (Chainer converts it from Kaiming He's ResNet-{depth}-model.caffemodel), torchvision's resnet{depth}-*.pth, or the ONNX model zoo's resnet{depth}-*.onnx");

    /// <summary>The architecture behind a registry name that reads weight files (tests write random weights with it).</summary>
    internal static Architecture ArchitectureOf(string name) => name switch
    {
        "vgg16" => Vgg16Architecture,
        "googlenet" => GoogLeNetArchitecture,
        _ when name.StartsWith("resnet", StringComparison.Ordinal) && int.TryParse(name[6..], out int depth) && ResNetBottleneck.Depths.ContainsKey(depth) => ResNetArchitecture(depth),
        _ => throw new TenniException($"'{name}' is not built from weight files"),
    };

    private static Architecture ResNetArchitecture(int depth) => new(
        $"resnet{depth}", (w, f, d) => ResNetBottleneck.Build(depth, w, f, d), ModelFamily.ResNet, WeightFamily.Torchvision, Caffe2Files: WeightFamily.Caffe2);

    private static ModelDescriptor FromFiles(Architecture architecture, string description, string where) => new()
    {
        Name = architecture.Name,
        Description = description,
        License = "that of the weights file you supply",
        LocateWeights = () => throw new TenniException($"{architecture.Name} has no bundled weights; pass a weights file with --weights FILE: {where} (see the README, \"Using VGG16 as in the chapter\")"),
        ReadWeights = (path, options) => architecture.Read(path, options.WidthDivisor),
        PreprocessingFor = family => architecture.Family.PreprocessingFor(family ?? architecture.OnnxFamily),
        ResolveAliases = architecture.Family.ResolveAliases,
        DefaultLayer = architecture.Family.DefaultLayer,
    };

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
