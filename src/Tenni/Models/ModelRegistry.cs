using Tenni.Models;

namespace Tenni;

/// <summary>Source models by name (timm's <c>list_models</c> / <c>create_model</c>).</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, ModelDescriptor> Entries = new(StringComparer.OrdinalIgnoreCase)
    {
        [KnownModels.ResNet18.Name] = KnownModels.ResNet18,
        [KnownModels.Vgg16.Name] = KnownModels.Vgg16,
        [KnownModels.GoogLeNet.Name] = KnownModels.GoogLeNet,
        [KnownModels.ResNet50.Name] = KnownModels.ResNet50,
        [KnownModels.ResNet101.Name] = KnownModels.ResNet101,
        [KnownModels.ResNet152.Name] = KnownModels.ResNet152,
    };

    public static IReadOnlyList<string> Names => Entries.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>A registered model, or any ONNX image classifier given by its path (a name ending in .onnx).</summary>
    public static ModelDescriptor Get(string name) =>
        OnnxFileModel.IsPath(name) ? OnnxFileModel.Describe(name)
        : Entries.TryGetValue(name, out var descriptor)
            ? descriptor
            : throw new TenniException($"unknown model '{name}'; known models: {string.Join(", ", Names)}, or the path of an ONNX image classifier (file.onnx)");
}
