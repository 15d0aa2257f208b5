using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>Chainer's <c>extensions.PlotReport</c>: <c>accuracy.png</c> and <c>loss.png</c>, training and validation against epoch.</summary>
public sealed class PlotReport(LogReport log, string folder) : ITrainerExtension
{
    public void Run(Trainer trainer)
    {
        Plot(log.Entries, "accuracy", Path.Combine(folder, "accuracy.png"));
        Plot(log.Entries, "loss", Path.Combine(folder, "loss.png"));
    }

    public static void Plot(IReadOnlyList<IReadOnlyDictionary<string, double>> entries, string quantity, string path)
    {
        var plot = new ScottPlot.Plot();
        foreach (string key in new[] { $"main/{quantity}", $"validation/main/{quantity}" })
        {
            var points = entries.Where(e => e.ContainsKey(key)).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(points.Select(e => e[ObservationKeys.Epoch]).ToArray(), points.Select(e => e[key]).ToArray());
            line.LegendText = key;
        }

        plot.XLabel(ObservationKeys.Epoch);
        plot.YLabel(quantity);
        plot.ShowLegend();
        byte[] png = plot.GetImageBytes(640, 480, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }
}
