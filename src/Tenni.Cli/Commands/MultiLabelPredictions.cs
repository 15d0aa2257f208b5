using System.Globalization;
using System.Text.Json;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary>
/// A multi-label model's predictions: each photo's label set (labels whose probability reaches the
/// model's threshold, most probable first, "(none)" when empty) as a table, JSON or CSV.
/// </summary>
internal static class MultiLabelPredictions
{
    public static void Write(TextWriter output, TrainedClassifier classifier, IReadOnlyList<Prediction> results, bool json, bool csv)
    {
        double threshold = classifier.Threshold!.Value;
        IEnumerable<(string Label, float Probability)> Set(Prediction r) =>
            classifier.LabelSet(r.Probabilities!).Select(k => (classifier.Classes[k], r.Probabilities![k]));
        if (json)
        {
            var items = results.Select(r => new
            {
                path = r.Path,
                error = r.Problem,
                threshold = r.Problem is null ? threshold : (double?)null,
                labels = r.Problem is null ? Set(r).Select(l => new { label = l.Label, probability = l.Probability }).ToArray() : null,
            });
            output.WriteLine(JsonSerializer.Serialize(items, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return;
        }

        if (csv)
        {
            // One row per photo: labels and their probabilities joined by ';' (the labels file's delimiter).
            output.WriteLine("path,labels,probabilities,error");
            foreach (var r in results)
            {
                var set = r.Problem is null ? Set(r).ToArray() : [];
                output.WriteLine(r.Problem is not null
                    ? $"{TextEscaping.ForCsv(r.Path)},,,{TextEscaping.ForCsv(r.Problem)}"
                    : $"{TextEscaping.ForCsv(r.Path)},{TextEscaping.ForCsv(string.Join(';', set.Select(l => l.Label)))},{string.Join(';', set.Select(l => Number(l.Probability)))},");
            }

            return;
        }

        string[] shown = results.Select(r => TextEscaping.ForDisplay(r.Path)).ToArray();
        int width = Math.Max(4, shown.Max(p => p.Length));
        output.WriteLine($"{"file".PadRight(width)}  labels (probability ≥ {threshold.ToString("0.##", CultureInfo.InvariantCulture)})");
        foreach (var (r, name) in results.Zip(shown))
        {
            var set = r.Problem is null ? Set(r).ToArray() : [];
            string text = r.Problem is not null
                ? $"unreadable: {TextEscaping.ForDisplay(r.Problem)}"
                : set.Length == 0 ? "(none)" : string.Join(", ", set.Select(l => $"{l.Label} {l.Probability.ToString("0.000", CultureInfo.InvariantCulture)}"));
            output.WriteLine($"{name.PadRight(width)}  {text}");
        }
    }

    private static string Number(float value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
