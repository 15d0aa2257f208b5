using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Tenni.Reporting;

namespace Tenni.Tests.Reporting;

/// <summary>What every report must be, parsed as a browser would (AngleSharp): its sections, self-contained pictures, and no way out to the network.</summary>
internal static class ReportAssert
{
    private static readonly byte[] PngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G'];
    private static readonly byte[] JpegMagic = [0xFF, 0xD8, 0xFF];

    public static IDocument SelfContained(string html, Tenni.Evaluation evaluation)
    {
        var document = new HtmlParser().ParseDocument(html);
        foreach (var (id, heading) in ReportHtml.Sections)
        {
            var section = document.QuerySelector($"section#{id}");
            Assert.True(section is not null, $"section #{id} is missing");
            Assert.Equal(heading, section.QuerySelector("h2")?.TextContent);
        }

        // No request of any kind: only in-page anchors and data: URIs; no script, no <link>, no url() in styles.
        foreach (var element in document.QuerySelectorAll("[src], [href]"))
        {
            string target = (element.GetAttribute("src") ?? element.GetAttribute("href"))!;
            Assert.True(target.StartsWith('#') || target.StartsWith("data:", StringComparison.Ordinal), $"<{element.LocalName}> points outside the page: {target[..Math.Min(80, target.Length)]}");
            Assert.DoesNotContain("http", target[..Math.Min(40, target.Length)], StringComparison.OrdinalIgnoreCase);
        }

        Assert.Empty(document.QuerySelectorAll("script, link, iframe, object, embed"));
        Assert.DoesNotContain("url(", string.Concat(document.QuerySelectorAll("style").Select(s => s.TextContent)), StringComparison.Ordinal);
        var images = document.QuerySelectorAll("img");
        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            Assert.True(Decodes(image.GetAttribute("src")!), $"image '{image.GetAttribute("alt")}' is not a PNG or JPEG data: URI");
        }

        int k = evaluation.Classes.Count;
        var perClass = document.QuerySelectorAll("#per-class tbody tr").Select(r => r.Children[0].TextContent).ToList();
        Assert.Equal([.. evaluation.Classes, "macro avg", "weighted avg"], perClass);
        var cells = document.QuerySelectorAll("#confusion-matrix tbody tr").Select(r => r.Children.Skip(1).Select(c => int.Parse(c.TextContent, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(k, cells.Length);
        Assert.All(cells, row => Assert.Equal(k, row.Length));
        Assert.Equal(evaluation.Count, cells.Sum(row => row.Sum()));
        return document;
    }

    private static bool Decodes(string uri)
    {
        string[] parts = uri.Split(',', 2);
        if (parts.Length != 2 || !parts[0].StartsWith("data:image/", StringComparison.Ordinal) || !parts[0].EndsWith(";base64", StringComparison.Ordinal))
        {
            return false;
        }

        byte[] bytes = Convert.FromBase64String(parts[1]);
        using var bitmap = SkiaSharp.SKBitmap.Decode(bytes);
        return (bytes.AsSpan().StartsWith(PngMagic) || bytes.AsSpan().StartsWith(JpegMagic)) && bitmap is { Width: > 0, Height: > 0 };
    }
}
