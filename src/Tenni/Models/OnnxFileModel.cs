using Onnx;
using Tenni.Imaging;
using Tenni.Models.Architectures;
using Tenni.Onnx;

namespace Tenni.Models;

/// <summary>
/// Any ONNX image classifier given by its path (<c>--model path/file.onnx</c>): the graph as the file
/// holds it, the input size from the graph, torchvision's preprocessing unless told otherwise, and
/// stage names discovered from its structure (<see cref="StageLayout"/>).
/// </summary>
internal static class OnnxFileModel
{
    /// <summary>Whether a model name is a path to an ONNX file rather than a registry name.</summary>
    public static bool IsPath(string name) => name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The descriptor of the file at <paramref name="path"/>. Its name is the file name (a safe folder
    /// name for caches; a trained model records the full path as its source weights).
    /// </summary>
    public static ModelDescriptor Describe(string path)
    {
        // The input size is read with the weights; preprocessing is asked for after.
        int size = Preprocessing.ImageNetSize;
        return new ModelDescriptor
        {
            Name = Path.GetFileName(path),
            Description = $"ONNX image classifier {path} (stages discovered from its structure)",
            License = "that of the ONNX file you supply",
            LocateWeights = () => File.Exists(path)
                ? path
                : throw new TenniException($"ONNX file '{path}' does not exist; give the path of an .onnx image classifier, or a registered model ({string.Join(", ", ModelRegistry.Names)})"),
            ReadWeights = (file, _) =>
            {
                ModelProto model = OnnxModelFile.Load(file);
                size = InputSize(model, file);
                return new LoadedWeights(model, null, "ONNX");
            },
            PreprocessingFor = family => PreprocessingFor(family ?? WeightFamily.Torchvision, size),
            ResolveAliases = StageLayout.Resolve,
            DefaultLayer = StageLayout.Pool,
        };
    }

    /// <summary>A family's preprocessing at <paramref name="size"/>; torchvision-style modes resize to size / 0.875 then crop, as timm does.</summary>
    internal static Preprocessing PreprocessingFor(WeightFamily family, int size) => family switch
    {
        WeightFamily.Caffe => Preprocessing.Caffe(size),
        WeightFamily.Caffe2 => Preprocessing.Caffe2() with { Size = size, ResizeShorterSide = Resize(size) },
        _ => ModelFamily.Torchvision(family, Resize(size), size),
    };

    private static int Resize(int size) => size == Preprocessing.ImageNetSize ? 256 : (int)Math.Round(size / 0.875);

    /// <summary>The square spatial size the graph's image input declares (224 when symbolic).</summary>
    private static int InputSize(ModelProto model, string file)
    {
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var dims = model.Graph.Input.FirstOrDefault(i => !initializers.Contains(i.Name))?.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 4)
        {
            throw new TenniException($"'{file}' is not an image classifier Tenni can run: its input should be [N, 3, H, W], it declares {(dims is null ? "no shape" : $"{dims.Count} dimensions")}");
        }

        long height = dims[2].DimValue, width = dims[3].DimValue;
        if (dims[1].DimValue is not (0 or 3) || height != width)
        {
            throw new TenniException($"'{file}' declares input [{string.Join(", ", dims.Select(d => d.DimValue > 0 ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam))}]; Tenni runs square RGB inputs [N, 3, S, S] (channels first)");
        }

        return height > 0 ? (int)height : Preprocessing.ImageNetSize;
    }
}
