namespace Tenni.Tests.Evaluation;

/// <summary>Hand-made cases of <see cref="Tenni.Evaluation.From"/>: the ends and the argument checks.</summary>
public sealed class EvaluationTests
{
    private static readonly string[] ThreeClasses = ["cat", "dog", "fox"];

    [Fact]
    public void From_PerfectClassifier_EverythingPerfect()
    {
        int[] labels = [0, 1, 2, 2, 1, 0];
        float[][] probabilities = [.. labels.Select(l => OneHot(l, 3))];

        var evaluation = Tenni.Evaluation.From(ThreeClasses, labels, probabilities);

        Assert.Equal(1.0, evaluation.Accuracy);
        Assert.Equal(1.0, evaluation.BalancedAccuracy);
        Assert.Equal(0.0, evaluation.LogLoss); // -log(1) exactly
        Assert.Equal(0.0, evaluation.ExpectedCalibrationError); // confidence 1, accuracy 1, in the last bin
        Assert.Equal(6, evaluation.Reliability[^1].Count);
        Assert.Empty(evaluation.TopK); // 3 classes: no k < 3
        Assert.Empty(evaluation.TopLosses);
        Assert.All(evaluation.PerClass, m => Assert.Equal((1.0, 1.0, 1.0, 2), (m.Precision, m.Recall, m.F1, m.Support)));
        Assert.Equal(new ClassMetrics("macro avg", 1, 1, 1, 6), evaluation.MacroAverage);
        Assert.Equal([[2, 0, 0], [0, 2, 0], [0, 0, 2]], evaluation.ConfusionMatrix.Select(r => r.ToArray()).ToArray());
    }

    [Fact]
    public void From_NoPhotos_NaNsAndNoException()
    {
        var evaluation = Tenni.Evaluation.From(ThreeClasses, [], []);

        Assert.Equal(0, evaluation.Count);
        Assert.True(double.IsNaN(evaluation.Accuracy));
        Assert.True(double.IsNaN(evaluation.BalancedAccuracy));
        Assert.True(double.IsNaN(evaluation.LogLoss));
        Assert.True(double.IsNaN(evaluation.ExpectedCalibrationError));
        Assert.True(double.IsNaN(evaluation.MacroAverage.F1));
        Assert.True(double.IsNaN(evaluation.WeightedAverage.Precision));
        Assert.Empty(evaluation.TopLosses);
        Assert.Equal(Tenni.Evaluation.CalibrationBins, evaluation.Reliability.Count);
        Assert.All(evaluation.Reliability, b => Assert.Equal(0, b.Count));
        Assert.All(evaluation.ConfusionMatrix, row => Assert.All(row, v => Assert.Equal(0, v)));
    }

    [Fact]
    public void From_MismatchedLengths_Throws()
    {
        float[][] two = [OneHot(0, 3), OneHot(1, 3)];

        Assert.Throws<ArgumentException>(() => Tenni.Evaluation.From(ThreeClasses, [0, 1, 2], two));
        Assert.Throws<ArgumentException>(() => Tenni.Evaluation.From(ThreeClasses, [0, 1], two, paths: ["only-one.jpg"]));
        Assert.Throws<ArgumentException>(() => Tenni.Evaluation.From(ThreeClasses, [0, 3], two)); // label out of range
        Assert.Throws<ArgumentException>(() => Tenni.Evaluation.From(ThreeClasses, [0, -1], two));
        Assert.Throws<ArgumentException>(() => Tenni.Evaluation.From(ThreeClasses, [0, 1], [OneHot(0, 3), OneHot(1, 2)])); // a row of 2 values
    }

    [Fact]
    public void NormalizedConfusionMatrix_RowsSumToOneAndAbsentClassRowZero()
    {
        // cat: 2 right, 1 called dog; dog: 1 right, 1 called fox; fox: no photos (its row stays 0).
        int[] labels = [0, 0, 0, 1, 1];
        float[][] probabilities = [Row(0.8f, 0.1f, 0.1f), Row(0.6f, 0.3f, 0.1f), Row(0.3f, 0.6f, 0.1f), Row(0.1f, 0.7f, 0.2f), Row(0.2f, 0.3f, 0.5f)];

        var normalized = Tenni.Evaluation.From(ThreeClasses, labels, probabilities).NormalizedConfusionMatrix;

        // Each row is a few divisions by the row's total: its sum is 1 to the last bits (1e-12 allows a few ulps).
        Assert.Equal(1.0, normalized[0].Sum(), 1e-12);
        Assert.Equal(1.0, normalized[1].Sum(), 1e-12);
        Assert.Equal([2.0 / 3, 1.0 / 3, 0], normalized[0]);
        Assert.Equal([0, 0.5, 0.5], normalized[1]);
        Assert.Equal([0.0, 0, 0], normalized[2]);
    }

    [Fact]
    public void From_TopLosses_MostConfidentMistakesFirstAndCountCapped()
    {
        // Four mistakes with confidences 0.7, 0.9, 0.5 and 0.9 (photos 1, 2, 4, 5); photos 0 and 3 right.
        int[] labels = [0, 0, 1, 2, 2, 1];
        float[][] probabilities = [Row(0.9f, 0.05f, 0.05f), Row(0.2f, 0.7f, 0.1f), Row(0.05f, 0.05f, 0.9f), Row(0.1f, 0.1f, 0.8f), Row(0.5f, 0.3f, 0.2f), Row(0.9f, 0.05f, 0.05f)];
        string[] paths = ["p0", "p1", "p2", "p3", "p4", "p5"];

        var all = Tenni.Evaluation.From(ThreeClasses, labels, probabilities, paths, topLosses: 10);
        var two = Tenni.Evaluation.From(ThreeClasses, labels, probabilities, paths, topLosses: 2);
        var none = Tenni.Evaluation.From(ThreeClasses, labels, probabilities, paths, topLosses: 0);

        Assert.Equal(["p2", "p5", "p1", "p4"], all.TopLosses.Select(l => l.Path)); // equal confidence: by index
        Assert.Equal(new TopLoss("p2", "dog", "fox", 0.9f, 0.05f), all.TopLosses[0]);
        Assert.Equal(["p2", "p5"], two.TopLosses.Select(l => l.Path));
        Assert.Empty(none.TopLosses);
    }

    [Fact]
    public void From_NoPaths_TopLossesNumbered()
    {
        var evaluation = Tenni.Evaluation.From(ThreeClasses, [0, 1], [Row(0.1f, 0.2f, 0.7f), OneHot(1, 3)]);

        Assert.Equal("#0", Assert.Single(evaluation.TopLosses).Path);
    }

    private static float[] Row(params float[] values) => values;

    private static float[] OneHot(int label, int classes)
    {
        var row = new float[classes];
        row[label] = 1;
        return row;
    }
}
