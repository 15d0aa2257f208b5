using Tenni.Data;
using static Tenni.Reporting.HtmlText;

namespace Tenni.Reporting;

/// <summary>The report's tables: the data reports, the confusion matrix as a heat map, and the per-class metrics.</summary>
internal static class ReportTables
{
    /// <summary>Skipped files and identical groups listed in full up to this many; a report of a huge messy folder stays readable.</summary>
    public const int MaxListed = 200;

    public static string Data(IReadOnlyList<(string FileName, DataReport Report)> reports) =>
        reports.Count == 0 ? "<p>No data report in this run.</p>\n" : string.Concat(reports.Select(r => DataReport(r.FileName, r.Report)));

    // A heat map whose colour is the row-normalized value (the share of a true class predicted as each),
    // so a small class's mistakes show as clearly as a large one's; the cell text is the count.
    public static string Confusion(Evaluation e)
    {
        var normalized = e.NormalizedConfusionMatrix;
        var rows = e.Classes.Select((name, c) => new[] { Escape(name) }.Concat(e.ConfusionMatrix[c].Select((count, p) => Cell(count, normalized[c][p]))));
        return "<p>Rows: true class; columns: predicted class. Colour: share of the row.</p>\n"
            + Table(new[] { "true \\ predicted" }.Concat(e.Classes.Select(Escape)), rows, "confusion");
    }

    public static string PerClass(Evaluation e) =>
        Table(["class", "precision", "recall", "F1", "support"], e.PerClass.Append(e.MacroAverage).Append(e.WeightedAverage)
            .Select(m => new[] { Escape(m.Name), Number(m.Precision), Number(m.Recall), Number(m.F1), Integer(m.Support) }), "per-class")
        + $"<p>Balanced accuracy (mean recall): {Number(e.BalancedAccuracy)}; accuracy: {Number(e.Accuracy)}.</p>\n";

    private static string Cell(int count, double share)
    {
        int shade = (int)Math.Round(255 - (share * 190));
        string text = share > 0.55 ? "#fff" : "#222";
        return $"<span style=\"display:block;background:rgb({shade},{Math.Min(255, shade + 20)},255);color:{text};padding:.3em\">{Integer(count)}</span>";
    }

    private static string DataReport(string fileName, DataReport report)
    {
        var html = new System.Text.StringBuilder($"<h3>{Escape(fileName)}: {Escape(report.Root)}</h3>\n");
        html.Append($"<p>{Integer(report.Images)} images in {report.Classes.Count} classes; {report.Skipped.Count} files skipped; {report.Duplicates.Count} groups of identical files.</p>\n");
        html.Append(Table(["class", "label", "images", "files"], report.Classes.Select(c => new[] { Escape(c.Name), Integer(c.Label), Integer(c.Images), Integer(c.Files) })));
        if (report.Skipped.Count > 0)
        {
            html.Append("<h4>Skipped files</h4>\n").Append(Table(["file", "reason", "message"], report.Skipped.Take(MaxListed)
                .Select(s => new[] { Escape(s.Path), Escape(s.Reason.ToString()), Escape(s.Message) })));
            html.Append(More(report.Skipped.Count));
        }

        if (report.Duplicates.Count > 0)
        {
            html.Append("<h4>Identical files</h4>\n").Append(Table(["files", "across classes"], report.Duplicates.Take(MaxListed)
                .Select(d => new[] { string.Join("<br>", d.Paths.Select(Escape)), d.AcrossClasses ? "yes: one picture, two labels" : "no" })));
            html.Append(More(report.Duplicates.Count));
        }

        html.Append("<h4>Sizes and formats</h4>\n");
        var sizes = report.Sizes;
        html.Append(Table(["", "min", "median", "max"], [
            ["width", Integer(sizes.Width.Min), Integer(sizes.Width.Median), Integer(sizes.Width.Max)],
            ["height", Integer(sizes.Height.Min), Integer(sizes.Height.Median), Integer(sizes.Height.Max)]]));
        html.Append(Table(["shorter side (px)", "images"], sizes.ShorterSide.Select(b => new[] { Escape(b.Key), Integer(b.Value) })));
        html.Append(Table(["format", "images"], report.Formats.Select(f => new[] { Escape(f.Key), Integer(f.Value) })));
        return html.ToString();
    }

    private static string More(int count) => count > MaxListed ? $"<p>… and {count - MaxListed} more (all of them are in the JSON report).</p>\n" : "";
}
