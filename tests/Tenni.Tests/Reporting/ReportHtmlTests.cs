using Tenni.Reporting;

namespace Tenni.Tests.Reporting;

public sealed class ReportHtmlTests
{
    [Fact]
    public void Render_Evaluation_HasEverySectionSelfContainedWithConsistentTables()
    {
        // Given a report's input without a model
        var input = ReportSamples.Input();

        // When it is rendered
        string html = ReportHtml.Render(input);

        // Then every section is there, the tables match the evaluation, and the pictures are inline
        var document = ReportAssert.SelfContained(html, input.Evaluation);
        Assert.Equal(3, document.QuerySelectorAll("#training-curves img, #reliability img").Length); // loss, accuracy, reliability
        Assert.Single(document.QuerySelectorAll("#top-losses img"));
        Assert.Equal(input.Evaluation.TopLosses.Count, document.QuerySelectorAll("#top-losses figure").Length);
    }

    [Fact]
    public void Render_HostileNames_AreTextNotMarkup()
    {
        // Given a class, a file, a run and a message whose names are markup
        var input = ReportSamples.Input();

        // When the report is rendered
        string html = ReportHtml.Render(input);

        // Then no name became an element: the page holds no script and shows the names as text
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>co</b>", html, StringComparison.Ordinal);
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        Assert.Empty(document.QuerySelectorAll("script"));
        Assert.Contains(ReportSamples.Hostile, document.QuerySelector("#per-class")!.TextContent, StringComparison.Ordinal);
        Assert.Contains(ReportSamples.Hostile, document.QuerySelector("#data")!.TextContent, StringComparison.Ordinal);
        Assert.Contains(ReportSamples.Hostile, document.QuerySelector("#configuration pre")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("Tenni report: run & <b>co</b>", document.Title);
    }

    [Fact]
    public void Curve_SolverLog_PlotsAgainstL2()
    {
        // Given an L-BFGS log (one entry per L2 strength) and an optimizer log without l2
        IReadOnlyDictionary<string, double>[] solver = [.. new[] { 10, 1, 0.1 }.Select((l2, i) => new Dictionary<string, double> { ["epoch"] = i + 1, ["l2"] = l2, ["validation/main/loss"] = 0.5 - (i * 0.1) })];

        // When the curves are drawn
        byte[]? png = ReportPlots.Curve(solver, "loss");
        byte[]? none = ReportPlots.Curve(solver, "accuracy");

        // Then the loss has a plot and a quantity the log lacks has none (the section says so instead)
        Assert.NotNull(png);
        Assert.Null(none);
    }
}
