using System.Text.Json;
using Xunit.Abstractions;

namespace Tenni.Tests.Evaluation;

// References: TestData/evaluation/make_reference.py, scikit-learn 1.2.1 (accuracy, balanced accuracy,
// top-k, confusion matrix, per-class precision/recall/F1/support with zero_division=0, weighted average),
// numpy (log loss clipped at 1e-15, the macro average over classes with support > 0, ECE and the
// reliability bins, the top losses). Three cases: 2 classes; 7 classes with one class never predicted, one
// absent from the labels and one true-class probability of 0; 37 classes.
public sealed class EvaluationReferenceTests(ITestOutputHelper output)
{
    // Both sides compute in float64 from the same float32 probabilities; they differ only in summation order
    // (about 1e-15). 1e-9 is far below any real mistake: one photo counted in the wrong place moves a rate
    // by at least 1/300 and the log loss or ECE by at least about 1e-4.
    private const double Tolerance = 1e-9;

    public static TheoryData<string> ReferenceCases { get; } = new(
        "a-2classes",
        "b-7classes-absent-and-unpredicted",
        "c-37classes");

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void From_ReferenceCase_ScalarMetricsMatchScikitLearn(string name)
    {
        var reference = Reference.Load(name);

        var evaluation = reference.Evaluate();

        output.WriteLine($"{name}: accuracy {evaluation.Accuracy:R}, balanced {evaluation.BalancedAccuracy:R}, log loss {evaluation.LogLoss:R}, ECE {evaluation.ExpectedCalibrationError:R}");
        Assert.Equal(reference.Labels.Length, evaluation.Count);
        Assert.Equal(reference.Root.GetProperty("accuracy").GetDouble(), evaluation.Accuracy, Tolerance);
        Assert.Equal(reference.Root.GetProperty("balanced_accuracy").GetDouble(), evaluation.BalancedAccuracy, Tolerance);
        Assert.Equal(reference.Root.GetProperty("log_loss").GetDouble(), evaluation.LogLoss, Tolerance);
        var topK = reference.Root.GetProperty("top_k").EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetDouble());
        Assert.Equal(topK.Keys.Order(), evaluation.TopK.Keys.Order());
        foreach (var (k, expected) in topK)
        {
            Assert.Equal(expected, evaluation.TopK[k], Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void From_ReferenceCase_ConfusionMatrixAndPerClassMatchScikitLearn(string name)
    {
        var reference = Reference.Load(name);

        var evaluation = reference.Evaluate();

        int[][] confusion = [.. reference.Root.GetProperty("confusion_matrix").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetInt32()).ToArray())];
        Assert.Equal(confusion, evaluation.ConfusionMatrix.Select(row => row.ToArray()).ToArray()); // counts: exact
        var perClass = reference.Root.GetProperty("per_class");
        double[] Column(string key) => [.. perClass.GetProperty(key).EnumerateArray().Select(v => v.GetDouble())];
        AssertClose(Column("precision"), [.. evaluation.PerClass.Select(m => m.Precision)]);
        AssertClose(Column("recall"), [.. evaluation.PerClass.Select(m => m.Recall)]);
        AssertClose(Column("f1"), [.. evaluation.PerClass.Select(m => m.F1)]);
        Assert.Equal(perClass.GetProperty("support").EnumerateArray().Select(v => v.GetInt32()), evaluation.PerClass.Select(m => m.Support));
        Assert.Equal(reference.Classes, evaluation.PerClass.Select(m => m.Name));
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void From_ReferenceCase_MacroAndWeightedAveragesMatchScikitLearn(string name)
    {
        var reference = Reference.Load(name);

        var evaluation = reference.Evaluate();

        AssertAverage(reference.Root.GetProperty("macro"), evaluation.MacroAverage);
        AssertAverage(reference.Root.GetProperty("weighted"), evaluation.WeightedAverage);
    }

    [Fact]
    public void From_SupportZeroClass_MacroAverageLeavesItOutUnlikeScikitLearnsAllLabels()
    {
        // Case b: class 6 has no photos. sklearn's macro over all 7 labels differs from the mean over the
        // 6 with photos by 0.06 in F1: the test data would not tell the two definitions apart otherwise.
        var reference = Reference.Load("b-7classes-absent-and-unpredicted");

        var evaluation = reference.Evaluate();

        double allLabels = reference.Root.GetProperty("sklearn_macro_all_labels").GetProperty("f1").GetDouble();
        Assert.Equal(0, evaluation.PerClass[6].Support);
        Assert.True(Math.Abs(evaluation.MacroAverage.F1 - allLabels) > 0.01, $"macro F1 {evaluation.MacroAverage.F1}, sklearn's over all labels {allLabels}");
        Assert.Equal(evaluation.MacroAverage.F1, evaluation.PerClass.Take(6).Average(m => m.F1), Tolerance);
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void From_ReferenceCase_CalibrationMatchesNumpy(string name)
    {
        var reference = Reference.Load(name);

        var evaluation = reference.Evaluate();

        Assert.Equal(reference.Root.GetProperty("ece").GetDouble(), evaluation.ExpectedCalibrationError, Tolerance);
        var bins = reference.Root.GetProperty("reliability").EnumerateArray().ToList();
        Assert.Equal(bins.Count, evaluation.Reliability.Count);
        for (int b = 0; b < bins.Count; b++)
        {
            var actual = evaluation.Reliability[b];
            Assert.Equal(bins[b].GetProperty("count").GetInt32(), actual.Count);
            Assert.Equal(bins[b].GetProperty("lower").GetDouble(), actual.Lower, Tolerance);
            Assert.Equal(bins[b].GetProperty("upper").GetDouble(), actual.Upper, Tolerance);
            Assert.Equal(bins[b].GetProperty("confidence").GetDouble(), actual.Confidence, Tolerance);
            Assert.Equal(bins[b].GetProperty("accuracy").GetDouble(), actual.Accuracy, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void From_ReferenceCase_TopLossesMatchNumpy(string name)
    {
        var reference = Reference.Load(name);

        var evaluation = reference.Evaluate();

        var expected = reference.Root.GetProperty("top_losses").EnumerateArray().ToList();
        Assert.Equal(expected.Count, evaluation.TopLosses.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var loss = evaluation.TopLosses[i];
            Assert.Equal($"photo-{expected[i].GetProperty("index").GetInt32()}.jpg", loss.Path);
            Assert.Equal(reference.Classes[expected[i].GetProperty("true").GetInt32()], loss.TrueClass);
            Assert.Equal(reference.Classes[expected[i].GetProperty("predicted").GetInt32()], loss.PredictedClass);
            Assert.Equal(expected[i].GetProperty("probability").GetDouble(), loss.Probability, Tolerance);
            Assert.Equal(expected[i].GetProperty("true_probability").GetDouble(), loss.TrueProbability, Tolerance);
        }
    }

    private static void AssertAverage(JsonElement expected, ClassMetrics actual)
    {
        Assert.Equal(expected.GetProperty("precision").GetDouble(), actual.Precision, Tolerance);
        Assert.Equal(expected.GetProperty("recall").GetDouble(), actual.Recall, Tolerance);
        Assert.Equal(expected.GetProperty("f1").GetDouble(), actual.F1, Tolerance);
        Assert.Equal(expected.GetProperty("support").GetInt32(), actual.Support);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"class {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    /// <summary>One case written by make_reference.py: labels, float32 probabilities and the expected values.</summary>
    private sealed record Reference(JsonElement Root, string[] Classes, int[] Labels, float[][] Probabilities)
    {
        public static Reference Load(string name)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "TestData", "evaluation", name + ".json");
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement.Clone();
            int classes = root.GetProperty("classes").GetInt32();
            return new Reference(
                root,
                [.. Enumerable.Range(0, classes).Select(c => $"class{c}")],
                [.. root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32())],
                // The file holds each float32 exactly (as its float64 value): GetSingle gives it back unchanged.
                [.. root.GetProperty("probabilities").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray())]);
        }

        public Tenni.Evaluation Evaluate() =>
            Tenni.Evaluation.From(Classes, Labels, Probabilities, [.. Labels.Select((_, i) => $"photo-{i}.jpg")], topLosses: 10);
    }
}
