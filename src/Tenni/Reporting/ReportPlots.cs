using Tenni.Training;

namespace Tenni.Reporting;

/// <summary>The report's charts as PNG bytes (ScottPlot, as <c>PlotReport</c>), to be inlined as <c>data:</c> URIs.</summary>
internal static class ReportPlots
{
    private const int Width = 560;
    private const int Height = 380;

    /// <summary>
    /// Training and validation <paramref name="quantity"/> (loss or accuracy) by epoch; an L-BFGS log has one
    /// entry per L2 strength, so it is drawn against log10(l2) — epochs would number fits, not progress.
    /// </summary>
    public static byte[]? Curve(IReadOnlyList<IReadOnlyDictionary<string, double>> log, string quantity)
    {
        bool solver = log.Count > 0 && log.All(e => e.ContainsKey(ObservationKeys.L2) && e[ObservationKeys.L2] > 0);
        var plot = new ScottPlot.Plot();
        int lines = 0;
        foreach (string key in new[] { $"main/{quantity}", $"validation/main/{quantity}" })
        {
            var points = log.Where(e => e.ContainsKey(key)).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            double[] x = [.. points.Select(e => solver ? Math.Log10(e[ObservationKeys.L2]) : e[ObservationKeys.Epoch])];
            var line = plot.Add.Scatter(x, points.Select(e => e[key]).ToArray());
            line.LegendText = key;
            lines++;
        }

        if (lines == 0)
        {
            return null;
        }

        plot.XLabel(solver ? "log10(l2)" : ObservationKeys.Epoch);
        plot.YLabel(quantity);
        plot.ShowLegend();
        return plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
    }

    /// <summary>The reliability diagram: accuracy per confidence bin as bars, against the diagonal of perfect calibration.</summary>
    public static byte[] Reliability(Evaluation evaluation)
    {
        var plot = new ScottPlot.Plot();
        var bars = evaluation.Reliability.Select(b => new ScottPlot.Bar
        {
            Position = (b.Lower + b.Upper) / 2,
            Value = b.Accuracy,
            Size = (b.Upper - b.Lower) * 0.9,
            FillColor = b.Count == 0 ? ScottPlot.Colors.LightGray : ScottPlot.Colors.SteelBlue,
        }).ToList();
        plot.Add.Bars(bars);
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = ScottPlot.LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.XLabel("confidence (top probability)");
        plot.YLabel("accuracy");
        plot.ShowLegend();
        return plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
    }
}
