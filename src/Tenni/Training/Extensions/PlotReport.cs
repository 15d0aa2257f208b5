using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>extensions.PlotReport</c>: <c>accuracy.png</c> and <c>loss.png</c>, training and validation
/// against epoch. Drawn after an epoch at most once a second, and always when training ends: epochs of a
/// head trained on cached features last tens of milliseconds, and two PNGs take ≈ 25 ms to draw (a
/// quarter of the chapter recipe's head phase went to plots nobody could watch change).
/// </summary>
public sealed class PlotReport(LogReport log, string folder) : ITrainerExtension
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private long _drawn;
    private bool _behind;

    public void Run(Trainer trainer)
    {
        if (_drawn != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(_drawn) < MinInterval)
        {
            _behind = true;
            return;
        }

        Draw();
    }

    public void Finalize(Trainer trainer)
    {
        if (_behind)
        {
            Draw();
        }
    }

    private void Draw()
    {
        Plot(log.Entries, "accuracy", Path.Combine(folder, "accuracy.png"));
        Plot(log.Entries, "loss", Path.Combine(folder, "loss.png"));
        _drawn = System.Diagnostics.Stopwatch.GetTimestamp();
        _behind = false;
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
