using System.Text.Json;

namespace Tenni.Tests.Evaluation;

/// <summary>
/// Multi-label metrics against scikit-learn (TestData/multilabel/make_reference.py): per-label precision,
/// recall and F1 at 0.5, micro- and macro-F1, average precision with tied scores, mAP over labels with a
/// positive, and the tuned threshold.
/// </summary>
public sealed class MultiLabelEvaluationTests
{
    private static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "multilabel", "reference.json"))).RootElement;

    private static readonly IReadOnlyList<IReadOnlyList<int>> Truth = [.. Reference.GetProperty("truth").EnumerateArray().Select(r => (IReadOnlyList<int>)[.. r.EnumerateArray().Select(v => v.GetInt32())])];

    private static readonly IReadOnlyList<float[]> Scores = [.. Reference.GetProperty("scores").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray())];

    private static readonly string[] Labels = ["a", "b", "c", "never"];

    [Fact]
    public void From_FixedThreshold_MatchesScikitLearn()
    {
        var evaluation = MultiLabelEvaluation.From(Labels, Truth, Scores, 0.5);

        Assert.Equal(Doubles("precision"), evaluation.Labels.Select(l => l.Precision), Close);
        Assert.Equal(Doubles("recall"), evaluation.Labels.Select(l => l.Recall), Close);
        Assert.Equal(Doubles("f1"), evaluation.Labels.Select(l => l.F1), Close);
        Assert.Equal(Reference.GetProperty("micro_f1").GetDouble(), evaluation.MicroF1, 12);
        Assert.Equal(Reference.GetProperty("macro_f1").GetDouble(), evaluation.MacroF1, 12);
        Assert.False(evaluation.ThresholdTuned);
    }

    [Fact]
    public void AveragePrecision_TiedScores_MatchesScikitLearn_AndMapSkipsLabelsWithoutPositives()
    {
        var evaluation = MultiLabelEvaluation.From(Labels, Truth, Scores, 0.5);
        var expected = Reference.GetProperty("average_precision").EnumerateArray().ToArray();

        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(expected[k].GetDouble(), evaluation.Labels[k].AveragePrecision!.Value, 12);
        }

        Assert.Equal(JsonValueKind.Null, expected[3].ValueKind);
        Assert.Null(evaluation.Labels[3].AveragePrecision);
        Assert.Equal(Reference.GetProperty("map").GetDouble(), evaluation.MeanAveragePrecision, 12);
    }

    [Fact]
    public void From_NoThreshold_TunesTheBestMicroF1OnTheGrid()
    {
        var evaluation = MultiLabelEvaluation.From(Labels, Truth, Scores, null);

        Assert.True(evaluation.ThresholdTuned);
        Assert.Equal(Reference.GetProperty("tuned_threshold").GetDouble(), evaluation.Threshold);
        Assert.Equal(Reference.GetProperty("tuned_micro_f1").GetDouble(), evaluation.MicroF1, 12);
        Assert.NotEqual(0.5, evaluation.Threshold); // the reference is chosen so tuning matters
    }

    private static double[] Doubles(string name) => [.. Reference.GetProperty(name).EnumerateArray().Select(v => v.GetDouble())];

    private static bool Close(double expected, double actual) => Math.Abs(expected - actual) < 1e-12;
}
