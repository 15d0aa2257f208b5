using SkiaSharp;
using Tenni.Reporting;
using Tenni.Tests.Support;

namespace Tenni.Tests.Reporting;

/// <summary>
/// The report in a real browser: headless Chromium (the system's, driven by Playwright) opens it from disk,
/// renders every section and draws a page that is not blank, without a single network request. Not
/// skipped when Chromium is missing: it fails and says how to install it (.ci/run installs it).
/// </summary>
[Trait("Category", Categories.Browser)]
public sealed class ReportBrowserTests
{
    [Fact]
    public async Task Chromium_Report_RendersEverySectionWithoutNetwork()
    {
        // Given a report on disk
        string folder = Directory.CreateTempSubdirectory("tenni-report-browser").FullName;
        try
        {
            string file = Path.Combine(folder, "report.html");
            File.WriteAllText(file, ReportHtml.Render(ReportSamples.Input()));

            // When Chromium opens it
            var (headings, screenshot, requests) = await HeadlessChromium.Open(file, "section > h2");

            // Then every section's heading is rendered, nothing was fetched from outside, and the page is drawn
            BrowserAssert.Rendered(headings, screenshot, requests);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>What a rendered report must show.</summary>
internal static class BrowserAssert
{
    public static void Rendered(IReadOnlyList<string> headings, byte[] screenshot, IReadOnlyList<string> requests)
    {
        Assert.Equal(ReportHtml.Sections.Select(s => s.Heading), headings.Select(h => h.Trim()));
        Assert.All(requests, url => Assert.True(url.StartsWith("file:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), $"the page requested {url}"));
        using var bitmap = SKBitmap.Decode(screenshot);
        Assert.True(bitmap.Height > 1500, $"a full page of eight sections is tall; the screenshot is {bitmap.Width}×{bitmap.Height}");

        // Non-blank: text, tables and plots give many colours and a good share of non-white pixels.
        var colours = new HashSet<uint>();
        int inked = 0, sampled = 0;
        for (int y = 0; y < bitmap.Height; y += 3)
        {
            for (int x = 0; x < bitmap.Width; x += 3)
            {
                var c = bitmap.GetPixel(x, y);
                colours.Add((uint)c);
                inked += c.Red < 230 || c.Green < 230 || c.Blue < 230 ? 1 : 0;
                sampled++;
            }
        }

        Assert.True(colours.Count > 50, $"only {colours.Count} colours: the page looks blank");
        Assert.True(inked > sampled / 50, $"only {inked} of {sampled} sampled pixels are not white: the page looks blank");
    }
}
