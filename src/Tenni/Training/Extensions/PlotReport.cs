using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>extensions.PlotReport</c>: <c>accuracy.png</c> and <c>loss.png</c>, training and validation
/// against epoch. Drawn after an epoch at most once a second, and always when training ends: epochs of a
/// head trained on cached features last tens of milliseconds, and two PNGs take ≈ 25 ms to draw (a
/// quarter of the chapter recipe's head phase went to plots nobody could watch change). The drawing runs
/// beside training, one at a time, from a copy of the log's entries: the first one, which loads
/// ScottPlot's fonts and compiles its code, took 0.15–0.3 s of the recipe's 20 epochs on the training
/// thread. A failed drawing fails the run as before, one epoch later or when training ends.
/// </summary>
public sealed class PlotReport(LogReport log, string folder) : ITrainerExtension
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private readonly Action<IReadOnlyList<IReadOnlyDictionary<string, double>>, string, string> _plot = Plot;
    private long _drawn;
    private bool _behind;
    private Task? _drawing;

    /// <summary>With <paramref name="plot"/> in place of <see cref="Plot"/> (tests).</summary>
    internal PlotReport(LogReport log, string folder, Action<IReadOnlyList<IReadOnlyDictionary<string, double>>, string, string> plot)
        : this(log, folder) => _plot = plot;

    public void Run(Trainer trainer)
    {
        if (_drawing is { IsCompleted: false } || (_drawn != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(_drawn) < MinInterval))
        {
            _behind = true;
            return;
        }

        Finish();
        var entries = log.Entries.ToArray(); // the log grows while the copy is drawn
        _drawn = System.Diagnostics.Stopwatch.GetTimestamp();
        _behind = false;
        // A thread of its own: on a thread pool busy elsewhere (the tests', a host's) the drawing would wait
        // for a worker, then run on the training thread that waits for it at the end.
        _drawing = Task.Factory.StartNew(() => Draw(entries), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public void Finalize(Trainer trainer)
    {
        Finish();
        if (_behind)
        {
            Draw(log.Entries);
            _behind = false;
        }
    }

    // Waits for the drawing in progress; its failure is thrown here, on the training thread.
    private void Finish()
    {
        var drawing = _drawing;
        _drawing = null;
        drawing?.GetAwaiter().GetResult();
    }

    private void Draw(IReadOnlyList<IReadOnlyDictionary<string, double>> entries)
    {
        _plot(entries, "accuracy", Path.Combine(folder, "accuracy.png"));
        _plot(entries, "loss", Path.Combine(folder, "loss.png"));
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
