namespace Tenni;

/// <summary>
/// What a classifier gets right and wrong on labelled photos (fastai's <c>ClassificationInterpretation</c>,
/// scikit-learn's <c>classification_report</c>): accuracy, balanced accuracy (mean per-class recall),
/// top-k accuracy, log loss, the confusion matrix, per-class precision/recall/F1 with macro and weighted
/// means, calibration (expected calibration error over 10 equal-width bins, and the reliability curve)
/// and the most confident mistakes. Computed from predictions alone (<see cref="From"/>), so it is tested
/// without a model. A class with no predictions has precision 0, as scikit-learn's <c>zero_division=0</c>.
/// </summary>
public sealed record Evaluation
{
    public const int CalibrationBins = 10;

    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>Photos evaluated.</summary>
    public required int Count { get; init; }

    public required double Accuracy { get; init; }

    /// <summary>Mean of the per-class recalls over classes with photos: what accuracy would be on balanced classes.</summary>
    public required double BalancedAccuracy { get; init; }

    /// <summary>Top-k accuracy for k = 3 and 5 where there are more classes than k.</summary>
    public required IReadOnlyDictionary<int, double> TopK { get; init; }

    /// <summary>Mean negative log-probability of the true class (probabilities clipped at 1e-15, as scikit-learn).</summary>
    public required double LogLoss { get; init; }

    /// <summary>Counts: row = true class, column = predicted class.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix { get; init; }

    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    public required ClassMetrics MacroAverage { get; init; }

    public required ClassMetrics WeightedAverage { get; init; }

    public required double ExpectedCalibrationError { get; init; }

    public required IReadOnlyList<ReliabilityBin> Reliability { get; init; }

    /// <summary>The most confident mistakes, most confident first.</summary>
    public required IReadOnlyList<TopLoss> TopLosses { get; init; }

    /// <summary>The confusion matrix with each row divided by its total (rows of absent classes stay 0).</summary>
    public IReadOnlyList<IReadOnlyList<double>> NormalizedConfusionMatrix =>
        [.. ConfusionMatrix.Select(row => row.Sum() is var total and > 0 ? (IReadOnlyList<double>)[.. row.Select(v => (double)v / total)] : new double[row.Count])];

    /// <param name="classes">Class names in label order.</param>
    /// <param name="labels">The true label of each photo.</param>
    /// <param name="probabilities">Each photo's class probabilities (rows summing to 1).</param>
    /// <param name="paths">Each photo's file (for the top losses); null: numbered.</param>
    /// <param name="topLosses">How many confident mistakes to keep.</param>
    public static Evaluation From(IReadOnlyList<string> classes, IReadOnlyList<int> labels, IReadOnlyList<float[]> probabilities, IReadOnlyList<string>? paths = null, int topLosses = 10)
    {
        Check(classes, labels, probabilities, paths);
        int k = classes.Count;
        int[] predicted = [.. probabilities.Select(ArgMax)];
        var confusion = new int[k][];
        for (int c = 0; c < k; c++)
        {
            confusion[c] = new int[k];
        }

        for (int i = 0; i < labels.Count; i++)
        {
            confusion[labels[i]][predicted[i]]++;
        }

        var perClass = Enumerable.Range(0, k).Select(c => Metrics(classes[c], confusion, c)).ToList();
        var present = perClass.Where(m => m.Support > 0).ToList();
        var (ece, bins) = Calibration(labels, probabilities, predicted);
        return new Evaluation
        {
            Classes = classes,
            Count = labels.Count,
            Accuracy = Mean(labels.Count, i => predicted[i] == labels[i]),
            BalancedAccuracy = present.Count == 0 ? double.NaN : present.Average(m => m.Recall),
            TopK = new[] { 3, 5 }.Where(top => top < k).ToDictionary(top => top, top => Mean(labels.Count, i => Rank(probabilities[i], labels[i]) < top)),
            LogLoss = labels.Count == 0 ? double.NaN : labels.Select((label, i) => -Math.Log(Math.Clamp(probabilities[i][label], 1e-15, 1))).Average(),
            ConfusionMatrix = [.. confusion.Select(row => (IReadOnlyList<int>)row)],
            PerClass = perClass,
            MacroAverage = Average("macro avg", present, _ => 1),
            WeightedAverage = Average("weighted avg", present, m => m.Support),
            ExpectedCalibrationError = ece,
            Reliability = bins,
            TopLosses = [.. Enumerable.Range(0, labels.Count).Where(i => predicted[i] != labels[i])
                .OrderByDescending(i => probabilities[i][predicted[i]]).ThenBy(i => i).Take(Math.Max(0, topLosses))
                .Select(i => new TopLoss(paths?[i] ?? $"#{i}", classes[labels[i]], classes[predicted[i]], probabilities[i][predicted[i]], probabilities[i][labels[i]]))],
        };
    }

    private static void Check(IReadOnlyList<string> classes, IReadOnlyList<int> labels, IReadOnlyList<float[]> probabilities, IReadOnlyList<string>? paths)
    {
        if (labels.Count != probabilities.Count || (paths is not null && paths.Count != labels.Count))
        {
            throw new ArgumentException($"{labels.Count} labels, {probabilities.Count} probability rows and {paths?.Count} paths: one of each per photo");
        }

        if (labels.Any(l => l < 0 || l >= classes.Count) || probabilities.Any(p => p.Length != classes.Count))
        {
            throw new ArgumentException($"labels must lie in [0, {classes.Count}) and every probability row hold {classes.Count} values");
        }
    }

    private static ClassMetrics Metrics(string name, int[][] confusion, int c)
    {
        int truePositives = confusion[c][c];
        int support = confusion[c].Sum();
        int predicted = confusion.Sum(row => row[c]);
        double precision = predicted == 0 ? 0 : (double)truePositives / predicted;
        double recall = support == 0 ? 0 : (double)truePositives / support;
        return new ClassMetrics(name, precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), support);
    }

    private static ClassMetrics Average(string name, IReadOnlyList<ClassMetrics> classes, Func<ClassMetrics, double> weight)
    {
        double total = classes.Sum(weight);
        double Mean(Func<ClassMetrics, double> value) => total == 0 ? double.NaN : classes.Sum(m => weight(m) * value(m)) / total;
        return new ClassMetrics(name, Mean(m => m.Precision), Mean(m => m.Recall), Mean(m => m.F1), classes.Sum(m => m.Support));
    }

    // Guo et al. 2017: bins of equal width over the top probability; ECE = Σ (n_b / N) |accuracy_b − confidence_b|.
    private static (double Ece, IReadOnlyList<ReliabilityBin> Bins) Calibration(IReadOnlyList<int> labels, IReadOnlyList<float[]> probabilities, int[] predicted)
    {
        var bins = new List<ReliabilityBin>();
        double ece = 0;
        for (int b = 0; b < CalibrationBins; b++)
        {
            double lower = (double)b / CalibrationBins, upper = (double)(b + 1) / CalibrationBins;
            int[] members = [.. Enumerable.Range(0, labels.Count).Where(i => Bin(probabilities[i][predicted[i]]) == b)];
            double confidence = members.Length == 0 ? 0 : members.Average(i => (double)probabilities[i][predicted[i]]);
            double accuracy = members.Length == 0 ? 0 : members.Average(i => predicted[i] == labels[i] ? 1.0 : 0.0);
            bins.Add(new ReliabilityBin(lower, upper, members.Length, confidence, accuracy));
            ece += labels.Count == 0 ? 0 : (double)members.Length / labels.Count * Math.Abs(accuracy - confidence);
        }

        return (labels.Count == 0 ? double.NaN : ece, bins);
    }

    private static int Bin(double confidence) => Math.Clamp((int)(confidence * CalibrationBins), 0, CalibrationBins - 1);

    private static int ArgMax(float[] row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
            {
                best = c;
            }
        }

        return best;
    }

    // How many classes score above the true one (ties in its favour): 0 means top-1.
    private static int Rank(float[] row, int label) => row.Count(p => p > row[label]);

    private static double Mean(int count, Func<int, bool> hit) => count == 0 ? double.NaN : (double)Enumerable.Range(0, count).Count(hit) / count;
}
