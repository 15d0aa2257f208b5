using System.Text.Json;

namespace Tenni;

/// <summary>One label's numbers at the threshold; <see cref="AveragePrecision"/> is null when no photo has the label.</summary>
public sealed record LabelMetrics(string Name, int Positives, double Precision, double Recall, double F1, double? AveragePrecision);

/// <summary>
/// Multi-label scores on labelled photos (issue 17, item 2): per-label precision, recall and F1 at one
/// global threshold (a label is predicted when its probability is at least the threshold), micro- and
/// macro-F1, and mean average precision (the mean over labels with at least one positive of scikit-learn's
/// <c>average_precision_score</c>). Undefined ratios (no predicted or no actual positives) count as 0,
/// as scikit-learn's <c>zero_division=0</c>.
/// </summary>
public sealed record MultiLabelEvaluation(IReadOnlyList<LabelMetrics> Labels, double Threshold, bool ThresholdTuned, double MicroF1, double MacroF1, double MeanAveragePrecision, int Photos)
{
    /// <summary>The thresholds <see cref="TuneThreshold"/> tries: 0.05 to 0.95 in steps of 0.05.</summary>
    public static IReadOnlyList<double> ThresholdGrid { get; } = [.. Enumerable.Range(1, 19).Select(i => Math.Round(i * 0.05, 2))];

    /// <param name="truth">Each photo's label indices.</param>
    /// <param name="scores">Each photo's probability per label.</param>
    /// <param name="threshold">The decision threshold; null: tuned (<see cref="TuneThreshold"/>).</param>
    public static MultiLabelEvaluation From(IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<int>> truth, IReadOnlyList<float[]> scores, double? threshold)
    {
        double chosen = threshold ?? TuneThreshold(truth, scores, labels.Count);
        var metrics = new List<LabelMetrics>();
        for (int k = 0; k < labels.Count; k++)
        {
            bool[] actual = [.. truth.Select(t => t.Contains(k))];
            double[] score = [.. scores.Select(s => (double)s[k])];
            var (tp, fp, fn) = Counts(actual, score, chosen);
            double precision = Ratio(tp, tp + fp), recall = Ratio(tp, tp + fn);
            int positives = actual.Count(a => a);
            metrics.Add(new LabelMetrics(labels[k], positives, precision, recall, Ratio(2 * tp, (2 * tp) + fp + fn), positives > 0 ? AveragePrecision(actual, score) : null));
        }

        var withPositives = metrics.Where(m => m.AveragePrecision is not null).ToList();
        return new MultiLabelEvaluation(
            metrics,
            chosen,
            threshold is null,
            MicroF1At(truth, scores, labels.Count, chosen),
            metrics.Count == 0 ? 0 : metrics.Average(m => m.F1),
            withPositives.Count == 0 ? 0 : withPositives.Average(m => m.AveragePrecision!.Value),
            truth.Count);
    }

    /// <summary>
    /// scikit-learn's <c>average_precision_score</c>: Σₙ (Rₙ − Rₙ₋₁) Pₙ over the distinct scores in
    /// descending order (tied scores form one step).
    /// </summary>
    public static double AveragePrecision(IReadOnlyList<bool> actual, IReadOnlyList<double> scores)
    {
        int positives = actual.Count(a => a);
        if (positives == 0)
        {
            return 0;
        }

        int[] order = [.. Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i])];
        double ap = 0, previousRecall = 0;
        int tp = 0, seen = 0;
        for (int n = 0; n < order.Length; n++)
        {
            tp += actual[order[n]] ? 1 : 0;
            seen++;
            if (n + 1 < order.Length && scores[order[n + 1]] == scores[order[n]])
            {
                continue; // a tie: the step is taken after the last photo with this score
            }

            double recall = (double)tp / positives;
            ap += (recall - previousRecall) * tp / seen;
            previousRecall = recall;
        }

        return ap;
    }

    /// <summary>F1 over every (photo, label) decision at once.</summary>
    public static double MicroF1At(IReadOnlyList<IReadOnlyList<int>> truth, IReadOnlyList<float[]> scores, int labels, double threshold)
    {
        int tp = 0, fp = 0, fn = 0;
        for (int k = 0; k < labels; k++)
        {
            var (t, f, n) = Counts([.. truth.Select(x => x.Contains(k))], [.. scores.Select(s => (double)s[k])], threshold);
            (tp, fp, fn) = (tp + t, fp + f, fn + n);
        }

        return Ratio(2 * tp, (2 * tp) + fp + fn);
    }

    /// <summary>The grid threshold with the best micro-F1; among equals, the one nearest 0.5.</summary>
    public static double TuneThreshold(IReadOnlyList<IReadOnlyList<int>> truth, IReadOnlyList<float[]> scores, int labels) =>
        ThresholdGrid.Select(t => (Threshold: t, F1: MicroF1At(truth, scores, labels, t)))
            .OrderByDescending(c => c.F1).ThenBy(c => Math.Abs(c.Threshold - 0.5)).First().Threshold;

    /// <summary>Lines for the console.</summary>
    public IReadOnlyList<string> Summary()
    {
        string how = ThresholdTuned ? $"tuned for micro-F1 on {Photos} validation photos" : "as given";
        var lines = new List<string> { $"multi-label: threshold {Threshold:0.##} ({how}); micro-F1 {MicroF1:0.####}, macro-F1 {MacroF1:0.####}, mAP {MeanAveragePrecision:0.####}" };
        lines.AddRange(Labels.Select(l => $"  {l.Name}: precision {l.Precision:0.###}, recall {l.Recall:0.###}, F1 {l.F1:0.###}, AP {(l.AveragePrecision is { } ap ? ap.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "n/a")} ({l.Positives} positives)"));
        return lines;
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    private static (int Tp, int Fp, int Fn) Counts(bool[] actual, double[] scores, double threshold)
    {
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            bool predicted = scores[i] >= threshold;
            tp += predicted && actual[i] ? 1 : 0;
            fp += predicted && !actual[i] ? 1 : 0;
            fn += !predicted && actual[i] ? 1 : 0;
        }

        return (tp, fp, fn);
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}
