using System.Text.Json.Nodes;
using Tenni.Training;

namespace Tenni.Cli.Serving;

/// <summary>What <c>GET /api/model</c> tells about the served model: read once at start.</summary>
internal static class ModelInfo
{
    public static JsonObject Describe(TrainedClassifier classifier, string runFolder)
    {
        var file = TrainedModelFile.Read(classifier.Folder);
        return new JsonObject
        {
            ["run"] = Path.GetFullPath(runFolder),
            ["model_folder"] = Path.GetFullPath(classifier.Folder),
            ["classes"] = new JsonArray([.. classifier.Classes.Select(c => (JsonNode?)c)]),
            ["source_model"] = file.SourceModel,
            ["layer"] = file.Layer,
            ["input_size"] = classifier.Preprocessing.Size,
            ["head_training"] = classifier.Training is { } t
                ? new JsonObject { ["solver"] = t.Solver.ToString(), ["l2"] = t.L2, ["refit"] = t.Refit, ["folds"] = t.Folds, ["temperature"] = t.Temperature }
                : null,
            ["validation_log"] = LastValidation(runFolder),
        };
    }

    // The last log entry's validation/... values, as training reported them (the log is Chainer's LogReport: a JSON array of entries).
    private static JsonObject? LastValidation(string runFolder)
    {
        string log = Path.Combine(runFolder, new TrainOptions().LogName);
        try
        {
            if (!File.Exists(log) || JsonNode.Parse(File.ReadAllText(log)) is not JsonArray entries)
            {
                return null;
            }

            var last = entries.OfType<JsonObject>().LastOrDefault(e => e.Any(p => p.Key.StartsWith("validation/", StringComparison.Ordinal)));
            return last is null ? null : new JsonObject(last.Where(p => p.Key.StartsWith("validation/", StringComparison.Ordinal) || p.Key == "epoch").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return null; // a damaged or unreadable log only loses this part of the description
        }
    }
}
