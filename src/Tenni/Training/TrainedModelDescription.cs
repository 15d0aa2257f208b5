using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Training;

/// <summary>
/// <c>model.json</c> beside every saved <c>model.safetensors</c>: what is needed to use the weights —
/// format version, source model name and weights hash, cut layer, classes, preprocessing.
/// </summary>
public static class TrainedModelDescription
{
    public const int FormatVersion = 1;

    public static void Write(string folder, ClassifierModel model, IReadOnlyList<string> classes)
    {
        var p = model.Source.Preprocessing;
        var json = new JsonObject
        {
            ["format"] = "tenni-classifier",
            ["format_version"] = FormatVersion,
            ["source_model"] = model.Source.Descriptor.Name,
            ["source_sha256"] = model.Source.WeightsHash,
            ["source_weights"] = model.Source.WeightsPath,
            ["source_preprocessing"] = model.Source.PreprocessingOverride?.ToString(),
            ["layer"] = model.CutLayer,
            ["classes"] = new JsonArray(classes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["preprocessing"] = new JsonObject { ["kind"] = p.Kind, ["size"] = p.Size, ["resize_shorter_side"] = p.ResizeShorterSide, ["filter"] = p.Filter.ToString() },
            ["weights"] = "model.safetensors",
            ["weights_sha256"] = UserFiles.Sha256(Path.Combine(folder, "model.safetensors")),
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "model.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
