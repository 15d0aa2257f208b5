using System.Globalization;
using System.Net;

namespace Tenni.Reporting;

/// <summary>Escaping and number formatting for the report: every piece of user data (class and file names, messages) goes through <see cref="Escape"/>.</summary>
internal static class HtmlText
{
    /// <summary>Text safe inside an element or a quoted attribute (<c>&lt; &gt; &amp; " '</c> encoded).</summary>
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Number(double value, string format = "0.0000") =>
        double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string PngUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    /// <summary>A table with a header row; cells are HTML already (escape user text before).</summary>
    public static string Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows, string? cssClass = null) =>
        $"<table{(cssClass is null ? "" : $" class=\"{cssClass}\"")}><thead><tr>{string.Concat(header.Select(h => $"<th>{h}</th>"))}</tr></thead><tbody>"
        + string.Concat(rows.Select(r => $"<tr>{string.Concat(r.Select(c => $"<td>{c}</td>"))}</tr>")) + "</tbody></table>\n";
}
