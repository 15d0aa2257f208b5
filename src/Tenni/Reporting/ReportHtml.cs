using System.Text;
using System.Text.Json.Nodes;
using Tenni.Training;
using static Tenni.Reporting.HtmlText;

namespace Tenni.Reporting;

/// <summary>
/// The report as one HTML page: inline CSS, pictures as <c>data:</c> URIs, no script and no link out,
/// so it opens from disk (or an e-mail) in any browser and asks nothing of the network. One
/// <c>&lt;section id=…&gt;</c> with an <c>&lt;h2&gt;</c> per part, in <see cref="Sections"/> order.
/// </summary>
internal static class ReportHtml
{
    /// <summary>Section ids and headings, in page order.</summary>
    public static readonly IReadOnlyList<(string Id, string Heading)> Sections =
    [
        ("summary", "Summary"), ("configuration", "Configuration"), ("data", "Data"), ("training-curves", "Training curves"),
        ("confusion-matrix", "Confusion matrix"), ("per-class", "Per-class metrics"), ("reliability", "Reliability diagram"), ("top-losses", "Top losses"),
    ];

    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
        h1{border-bottom:2px solid #4a7ab5}h2{color:#2c4f7c;margin-top:1.6em}nav a{margin-right:1em}
        table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
        th{background:#eef2f7}pre{background:#f6f8fa;padding:1em;overflow:auto;max-height:30em}
        .confusion td{min-width:3em;text-align:center}.losses{display:flex;flex-wrap:wrap;gap:1em}
        figure{margin:0;width:150px;font-size:.85em}figure img{max-width:128px;max-height:128px;display:block}
        .plots img{margin-right:1em}.note{color:#8a5a00}
        """;

    public static string Render(ReportInput input)
    {
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tenni report: {Escape(input.RunName)}</title>\n<style>{Style}</style></head><body>\n");
        html.Append($"<h1>Tenni report: {Escape(input.RunName)}</h1>\n<nav>{string.Concat(Sections.Select(s => $"<a href=\"#{s.Id}\">{s.Heading}</a>"))}</nav>\n");
        var bodies = new Dictionary<string, string>
        {
            ["summary"] = Summary(input),
            ["configuration"] = input.ConfigJson is null ? "<p>No config.json in this run.</p>" : $"<pre>{Escape(input.ConfigJson)}</pre>",
            ["data"] = ReportTables.Data(input.DataReports),
            ["training-curves"] = Curves(input.Log),
            ["confusion-matrix"] = ReportTables.Confusion(input.Evaluation),
            ["per-class"] = ReportTables.PerClass(input.Evaluation),
            ["reliability"] = Reliability(input.Evaluation),
            ["top-losses"] = TopLosses(input),
        };
        foreach (var (id, heading) in Sections)
        {
            html.Append($"<section id=\"{id}\"><h2>{heading}</h2>\n{bodies[id]}</section>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static string Summary(ReportInput input)
    {
        var e = input.Evaluation;
        var config = Config(input.ConfigJson);
        var rows = new List<(string, string)>
        {
            ("model", Escape(Field(config, "options", "Model"))),
            ("cut at layer", Escape(Field(config, "layer"))),
            ("head solver", Escape(Field(config, "head_solver", "solver"))),
            ("classes", Escape(string.Join(", ", e.Classes))),
            ("evaluated model", $"{Escape(input.ModelName)} on {Integer(e.Count)} validation photos"),
            ("accuracy", Number(e.Accuracy)),
            ("balanced accuracy", Number(e.BalancedAccuracy)),
            ("log loss", Number(e.LogLoss)),
            ("expected calibration error", Number(e.ExpectedCalibrationError)),
        };
        rows.AddRange(e.TopK.Select(t => ($"top-{t.Key} accuracy", Number(t.Value))));
        var validation = input.Log.Where(l => l.ContainsKey(ObservationKeys.ValidationAccuracy)).ToList();
        if (validation.Count > 0)
        {
            var best = validation.MaxBy(l => l[ObservationKeys.ValidationAccuracy])!;
            rows.Add(("best validation accuracy in the log", $"{Number(best[ObservationKeys.ValidationAccuracy])} at epoch {Number(best.GetValueOrDefault(ObservationKeys.Epoch), "0")}"));
        }

        rows.Add(("log entries (epochs, or L2 fits)", Integer(input.Log.Count)));
        if (input.Log.Count > 0 && input.Log[^1].TryGetValue(ObservationKeys.ElapsedTime, out double seconds))
        {
            rows.Add(("training time", $"{Number(seconds, "0.0")} s"));
        }

        string table = Table(["", ""], rows.Select(r => new[] { r.Item1, r.Item2 }));
        string note = input.Note is null ? "" : $"<p class=\"note\">{Escape(input.Note)}</p>\n";
        string unreadable = input.Unreadable.Count == 0 ? "" : $"<p class=\"note\">{input.Unreadable.Count} validation photos could not be read and were left out: "
            + string.Join("; ", input.Unreadable.Take(20).Select(u => $"{Escape(u.Path)} ({Escape(u.Problem)})")) + "</p>\n";
        return table + note + unreadable;
    }

    private static string Curves(IReadOnlyList<IReadOnlyDictionary<string, double>> log)
    {
        var images = new[] { "loss", "accuracy" }
            .Select(q => (q, png: ReportPlots.Curve(log, q)))
            .Where(p => p.png is not null)
            .Select(p => $"<img src=\"{PngUri(p.png!)}\" alt=\"{p.q} curve\" width=\"560\" height=\"380\">")
            .ToList();
        return images.Count == 0 ? "<p>The log holds no entries to plot.</p>\n" : $"<div class=\"plots\">{string.Concat(images)}</div>\n";
    }

    private static string Reliability(Evaluation e) =>
        $"<p>Expected calibration error: {Number(e.ExpectedCalibrationError)} ({Evaluation.CalibrationBins} bins; bars on the dashed diagonal are perfectly calibrated, grey bins are empty).</p>\n"
        + $"<img src=\"{PngUri(ReportPlots.Reliability(e))}\" alt=\"reliability diagram\" width=\"560\" height=\"380\">\n"
        + Table(["confidence bin", "photos", "mean confidence", "accuracy"], e.Reliability.Select(b => new[]
            { $"{Number(b.Lower, "0.0")}–{Number(b.Upper, "0.0")}", Integer(b.Count), Number(b.Confidence), Number(b.Accuracy) }));

    private static string TopLosses(ReportInput input)
    {
        var losses = input.Evaluation.TopLosses;
        if (losses.Count == 0)
        {
            return "<p>No mistakes on the validation photos.</p>\n";
        }

        var figures = losses.Select(l =>
        {
            string picture = input.Thumbnails.TryGetValue(l.Path, out string? uri) ? $"<img src=\"{uri}\" alt=\"{Escape(Path.GetFileName(l.Path))}\">" : "<p>(unreadable)</p>";
            return $"<figure>{picture}<figcaption><b>{Escape(Path.GetFileName(l.Path))}</b><br>true: {Escape(l.TrueClass)} ({Number(l.TrueProbability, "0.000")})<br>predicted: {Escape(l.PredictedClass)} ({Number(l.Probability, "0.000")})</figcaption></figure>";
        });
        return $"<p>The {losses.Count} most confident mistakes, most confident first.</p>\n<div class=\"losses\">{string.Concat(figures)}</div>\n";
    }

    private static JsonNode? Config(string? json)
    {
        try
        {
            return json is null ? null : JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // shown as written in Configuration; the summary just lacks its fields
        }
    }

    private static string Field(JsonNode? node, params string[] path)
    {
        foreach (string key in path)
        {
            node = node is JsonObject o && o.TryGetPropertyValue(key, out var child) ? child : null;
        }

        return node is JsonValue value ? value.ToString() : "–";
    }
}
