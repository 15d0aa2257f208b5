using System.Globalization;
using System.Text.Json.Nodes;
using Tenni.Features;
using Tenni.IO;
using Tenni.Training;

namespace Tenni;

/// <summary>One learning-rate sweep: the rates tried (as <c>--lr</c> values), the loss of each step, its smoothed curve, and the suggestion.</summary>
public sealed record LearningRateSweep(IReadOnlyList<double> Rates, IReadOnlyList<double> Losses, IReadOnlyList<double> Smoothed, double Steepest, double MinimumOverTen);

/// <summary>
/// fastai's <c>lr_find</c> (Smith, "Cyclical Learning Rates", 2017): train from the recipe's start with
/// the rate growing exponentially each step, from 1e-7 to 10, until the loss diverges; the rate where
/// the smoothed loss falls fastest is a good <c>--lr</c>. Every group keeps its ratio to <c>--lr</c> (the
/// head at <c>--head-lr-scale</c>×, per-layer rates in proportion). Frozen layers come from the cache,
/// so a sweep costs seconds when only the head or the last stage trains.
/// </summary>
public static class LearningRateFinder
{
    /// <summary>
    /// The loss average's decay. fastai's 0.98 averages over ~50 steps, four of the sweep's eight decades
    /// (measured on samples/pets: the smoothed curve's steepest point then lags the loss's by a decade);
    /// 0.9 averages over ~10 steps, under one decade.
    /// </summary>
    public const double Beta = 0.9;

    /// <summary>A fresh model, the sweep, and <c>lr-find.png</c> + <c>lr-find.json</c> in <paramref name="outFolder"/> (new or empty).</summary>
    public static LearningRateSweep Run(string dataFolder, string outFolder, TrainOptions options, TextWriter output, IProgress<ExtractionProgress>? extraction = null)
    {
        options.Validate();
        if (File.Exists(outFolder))
        {
            throw new TenniException($"'{outFolder}' is a file; lr-find writes lr-find.png and lr-find.json into a new or empty folder");
        }

        if (Directory.Exists(outFolder) && Directory.EnumerateFileSystemEntries(outFolder).Any())
        {
            throw new TenniException($"'{outFolder}' is not empty; lr-find writes lr-find.png and lr-find.json into a new or empty folder");
        }

        var split = TrainingData.Read(dataFolder, options).Split;
        Directory.CreateDirectory(outFolder);
        using var source = SourceModel.Load(options.Model, options.SourceOptions);
        source.Freeze(options.TrainLayers, options.FrozenBatchNorm);
        using var model = new ClassifierModel(source, options.Layer ?? source.Descriptor.DefaultLayer, split.Classes.Count, options.Seed);
        string scratch = Path.Combine(outFolder, "scratch");
        LearningRateSweep sweep;
        using (var batches = TrainingBatches.Create(model, split, options, CachePlan.Decide(model, options), scratch, extraction, output))
        {
            sweep = Sweep(model, batches.Train, TrainingOptimizer.Create(model, options), options.LearningRate, options.Seed, options.Loss(split));
        }

        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        Save(sweep, outFolder);
        output.WriteLine($"lr-find: {sweep.Rates.Count} steps from {Rate(sweep.Rates[0])} to {Rate(sweep.Rates[^1])}; steepest descent at --lr {Rate(sweep.Steepest)}, minimum / 10 at --lr {Rate(sweep.MinimumOverTen)} (head at {options.HeadLearningRateScale.ToString(CultureInfo.InvariantCulture)}×); plot {Path.Combine(outFolder, "lr-find.png")}");
        return sweep;
    }

    /// <summary>
    /// The sweep itself, on a model and optimizer built for the recipe (it trains them: sweep a copy).
    /// Step i sets every group to its base rate × (rate_i / <paramref name="baseRate"/>); the loss is
    /// smoothed by an exponential moving average (β = <see cref="Beta"/>, bias-corrected) and the sweep stops when it
    /// exceeds 4× its minimum or is not finite.
    /// </summary>
    public static LearningRateSweep Sweep(ITrainableModel model, BatchSource batches, TrainingOptimizer optimizer, double baseRate, int seed, ClassificationLoss? loss = null, double start = 1e-7, double end = 10, int steps = 100)
    {
        var updater = new StandardUpdater(model, batches, optimizer.Optimizer, seed, loss);
        var (rates, losses, smoothed) = (new List<double>(), new List<double>(), new List<double>());
        double average = 0, lowest = double.PositiveInfinity;
        for (int i = 0; i < steps; i++)
        {
            double rate = start * Math.Pow(end / start, (double)i / (steps - 1));
            optimizer.Scale(rate / baseRate);
            var observation = new Dictionary<string, double>();
            updater.Update(observation);
            double stepLoss = observation[ObservationKeys.Loss];
            average = (Beta * average) + ((1 - Beta) * stepLoss);
            double value = average / (1 - Math.Pow(Beta, i + 1));
            rates.Add(rate);
            losses.Add(stepLoss);
            smoothed.Add(value);
            lowest = Math.Min(lowest, value);
            if (!double.IsFinite(value) || value > 4 * lowest)
            {
                break;
            }
        }

        return new LearningRateSweep(rates, losses, smoothed, Steepest(rates, smoothed), rates[smoothed.IndexOf(smoothed.Where(double.IsFinite).Min())] / 10);
    }

    // The steepest fall of the smoothed loss per decade, before its minimum (fastai's "steep"); the first
    // points are skipped, where the average has seen too few steps.
    private static double Steepest(IReadOnlyList<double> rates, IReadOnlyList<double> smoothed)
    {
        int minimum = Enumerable.Range(0, smoothed.Count).Where(i => double.IsFinite(smoothed[i])).MinBy(i => smoothed[i]);
        int best = 0;
        double steepest = double.PositiveInfinity;
        for (int i = Math.Min(5, Math.Max(1, minimum - 1)); i <= minimum && i < smoothed.Count; i++)
        {
            double slope = (smoothed[i] - smoothed[i - 1]) / (Math.Log10(rates[i]) - Math.Log10(rates[i - 1]));
            if (slope < steepest)
            {
                (steepest, best) = (slope, i);
            }
        }

        return rates[best];
    }

    private static void Save(LearningRateSweep sweep, string folder)
    {
        var plot = new ScottPlot.Plot();
        var raw = plot.Add.Scatter(sweep.Rates.Select(Math.Log10).ToArray(), sweep.Losses.ToArray());
        raw.LegendText = "main/loss";
        var line = plot.Add.Scatter(sweep.Rates.Select(Math.Log10).ToArray(), sweep.Smoothed.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray());
        line.LegendText = "smoothed";
        plot.Add.VerticalLine(Math.Log10(sweep.Steepest)).LegendText = "steepest";
        plot.XLabel("log10 --lr");
        plot.YLabel("loss");
        plot.ShowLegend();
        byte[] png = plot.GetImageBytes(640, 480, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(Path.Combine(folder, "lr-find.png"), s => s.Write(png));
        var json = new JsonObject
        {
            ["steepest"] = sweep.Steepest,
            ["minimum_over_ten"] = sweep.MinimumOverTen,
            ["rates"] = new JsonArray(sweep.Rates.Select(v => (JsonNode?)v).ToArray()),
            ["losses"] = new JsonArray(sweep.Losses.Select(v => (JsonNode?)(double.IsFinite(v) ? v : null)).ToArray()),
            ["smoothed"] = new JsonArray(sweep.Smoothed.Select(v => (JsonNode?)(double.IsFinite(v) ? v : null)).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "lr-find.json"), json.ToJsonString());
    }

    private static string Rate(double rate) => rate.ToString("G2", CultureInfo.InvariantCulture);
}
