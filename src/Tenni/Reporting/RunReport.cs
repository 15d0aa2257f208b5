using System.Text.Json.Nodes;
using Tenni.Data;
using Tenni.IO;
using Tenni.Reporting;
using Tenni.Training;
using Tenni.Training.Extensions;

namespace Tenni;

/// <summary>
/// <c>report.html</c>: one self-contained page about a training run to attach to a pull request or an
/// e-mail — configuration, data report, training curves, and the model (best/ if the run has one)
/// evaluated on the run's validation split: confusion matrix, per-class metrics, reliability diagram and
/// thumbnails of the most confident mistakes. Pictures are inline <c>data:</c> URIs and the page has no
/// script or external link, so it opens from disk in any browser without touching the network.
/// </summary>
public static class RunReport
{
    public const string FileName = "report.html";

    /// <summary>How many of the most confident mistakes the report shows as thumbnails.</summary>
    public const int TopLosses = 12;

    /// <summary>Writes the report of <paramref name="runFolder"/> to <paramref name="output"/> (default: <c>report.html</c> in the run) and returns its path.</summary>
    /// <param name="sourceWeights">Another copy of the source model's weights, when the recorded file has moved.</param>
    public static string Write(string runFolder, string? output = null, string? sourceWeights = null)
    {
        output ??= Path.Combine(runFolder, FileName);
        AtomicFile.WriteAllText(output, Render(runFolder, sourceWeights));
        return output;
    }

    /// <summary>The report of <paramref name="runFolder"/> as HTML text.</summary>
    public static string Render(string runFolder, string? sourceWeights = null)
    {
        using var classifier = TrainedClassifier.Load(TrainedClassifier.ModelFolder(runFolder), sourceWeights);
        var samples = EvaluationData.ValidationSplit(classifier.Folder, classifier.Classes);
        var (evaluation, unreadable) = classifier.Evaluate(samples, topLosses: TopLosses);
        return Render(runFolder, classifier.Folder, evaluation, [.. unreadable.Select(u => (u.Path, u.Problem ?? "unreadable"))], classifier.Training);
    }

    /// <summary>
    /// Writes the report with an evaluation already computed (training scores its validation photos from
    /// the activations it cached: no second model load or decode), of the model in <paramref name="modelFolder"/>.
    /// </summary>
    internal static string Write(string runFolder, string modelFolder, Evaluation evaluation, HeadTraining? training)
    {
        string output = Path.Combine(runFolder, FileName);
        AtomicFile.WriteAllText(output, Render(runFolder, modelFolder, evaluation, [], training));
        return output;
    }

    private static string Render(string runFolder, string modelFolder, Evaluation evaluation, List<(string, string)> unreadable, HeadTraining? training)
    {
        string? config = ReadText(Path.Combine(runFolder, "config.json"));
        var input = new ReportInput
        {
            RunName = Path.GetFileName(Path.GetFullPath(runFolder).TrimEnd(Path.DirectorySeparatorChar)),
            ConfigJson = config,
            DataReports = DataReports(runFolder),
            Log = Log(runFolder, config),
            ModelName = Path.GetRelativePath(runFolder, modelFolder),
            Evaluation = evaluation,
            Unreadable = unreadable,
            Thumbnails = evaluation.TopLosses.Select(l => (l.Path, Uri: Thumbnail.DataUri(l.Path)))
                .Where(t => t.Uri is not null).DistinctBy(t => t.Path).ToDictionary(t => t.Path, t => t.Uri!),
            // Cross-validation and --refit fit the head on the validation photos too: their numbers flatter it.
            Note = training is { Refit: true } ? "This head was fitted on the validation photos too (cross-validation or --refit), so the numbers below are optimistic; the held-out estimate is in the log." : null,
        };
        return ReportHtml.Render(input);
    }

    // data-report.json, and data-report-val.json when the data came as train/ and val/ folders.
    private static List<(string, DataReport)> DataReports(string runFolder) =>
        [.. Directory.EnumerateFiles(runFolder, "data-report*.json").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), DataReport.FromJson(File.ReadAllText(f))))];

    private static IReadOnlyList<IReadOnlyDictionary<string, double>> Log(string runFolder, string? config)
    {
        string? name = null;
        try
        {
            name = config is null ? null : JsonNode.Parse(config)?["options"]?["LogName"]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            // A damaged config.json is shown as text in the report; the log then has its default name.
        }

        // Only a plain name inside the run, as training validated it: an edited config must not point the report elsewhere.
        name = name is not null && name == Path.GetFileName(name) && name is not ("." or "..") ? name : "log";
        string? json = ReadText(Path.Combine(runFolder, name));
        return json is null ? [] : LogReport.Parse(json);
    }

    private static string? ReadText(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
}
