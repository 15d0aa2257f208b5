using Tenni.Tests.Support;
using Tenni.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tenni.Tests.Training.Heads;

/// <summary>Temperature scaling and stratified folds: the pieces the cross-validated L-BFGS head is built from.</summary>
[Collection(TorchCollection.Name)]
public sealed class CalibrationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0.01)]
    [InlineData(1.0)]
    [InlineData(37.5)]
    public void SmoothedCrossEntropy_EqualsTorchsCrossEntropyWithLabelSmoothing(double scale)
    {
        // The search's managed loss against libtorch's, the reference it replaced (1e-12 relative).
        var random = new Random(11);
        const int n = 121, k = 3;
        double[] z = Enumerable.Range(0, n * k).Select(_ => (random.NextDouble() * 20) - 10).ToArray();
        long[] y = Enumerable.Range(0, n).Select(_ => (long)random.Next(k)).ToArray();

        double expected = nn.functional.cross_entropy(tensor(z).reshape(n, k) * scale, tensor(y), label_smoothing: Calibration.Smoothing).item<double>();

        Assert.Equal(expected, Calibration.SmoothedCrossEntropy(z, y, k, scale), expected * 1e-12);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.5)]
    public void Scale_LabelsDrawnFromSoftmaxOfScaledLogits_RecoversTheScale(double trueScale)
    {
        // 50,000 photos whose labels are drawn from softmax(trueScale · z): the maximum-likelihood scale is
        // trueScale up to sampling noise (standard error ≈ 1 % here) and the 1 % label smoothing (which pulls
        // it down slightly where the model is very sure: logits within ±2 keep that rare).
        var random = new Random(7);
        const int n = 50_000, k = 5;
        float[] z = new float[n * k];
        long[] y = new long[n];
        for (int i = 0; i < n; i++)
        {
            double[] p = new double[k];
            for (int c = 0; c < k; c++)
            {
                z[(i * k) + c] = (float)((random.NextDouble() * 4) - 2);
                p[c] = Math.Exp(trueScale * z[(i * k) + c]);
            }

            double u = random.NextDouble() * p.Sum();
            int label = 0;
            for (double sum = p[0]; sum < u && label < k - 1; sum += p[++label])
            {
            }

            y[i] = label;
        }

        using var logits = tensor(z, [n, k]);
        using var labels = tensor(y);
        double scale = Calibration.Scale(logits, labels);
        output.WriteLine($"true {trueScale}, fitted {scale}");
        Assert.Equal(trueScale, scale, trueScale * 0.08); // measured: 0.495 for 0.5, 1.913 for 2
    }

    [Fact]
    public void Scale_EveryPredictionRight_IsFinite_AndMakesTheModel99Point5PercentSure()
    {
        // Smoothed targets of two classes: 0.995 and 0.005; sigmoid(2s) = 0.995 at s = ln(199) / 2.
        using var logits = tensor(new float[] { 2, 0, 0, 2 }, [2, 2]);
        using var labels = tensor(new long[] { 0, 1 });
        Assert.Equal(Math.Log(199) / 2, Calibration.Scale(logits, labels), 1e-6);
    }

    [Fact]
    public void Folds_AreStratified_Seeded_AndSpreadSmallClasses()
    {
        long[] labels = [.. Enumerable.Repeat(0L, 10), .. Enumerable.Repeat(1L, 5), 2, 2, 3, 3];

        int[] folds = CrossValidationFolds.Assign(labels, 5, seed: 1);

        Assert.Equal(folds, CrossValidationFolds.Assign(labels, 5, seed: 1));
        Assert.NotEqual(folds, CrossValidationFolds.Assign(labels, 5, seed: 2));
        Assert.All(Enumerable.Range(0, 5), k => Assert.Equal(2, Enumerable.Range(0, 10).Count(i => folds[i] == k))); // class 0: 2 per fold
        Assert.All(Enumerable.Range(0, 5), k => Assert.Equal(1, Enumerable.Range(10, 5).Count(i => folds[i] == k))); // class 1: 1 per fold
        Assert.Equal(4, new[] { folds[15], folds[16], folds[17], folds[18] }.Distinct().Count()); // classes 2 and 3: not all in fold 0
    }

    [Theory]
    [InlineData(new[] { 5, 5, 5 }, 5)]
    [InlineData(new[] { 40, 3 }, 3)]
    [InlineData(new[] { 40, 1 }, 2)]
    public void AutomaticFolds_FiveOrTheSmallestClass_AtLeastTwo(int[] perClass, int expected) =>
        Assert.Equal(expected, CrossValidationFolds.Automatic(perClass));
}
