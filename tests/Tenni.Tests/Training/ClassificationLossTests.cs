using Tenni.Tests.Support;
using Tenni.Tests.Training.Loop;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Tests.Training;

/// <summary>
/// <see cref="ClassificationLoss"/> against the formulas computed by hand in float64, and the Beta(α, α)
/// draws mixup takes its λ from. The losses run in float32 (libtorch): on logits of magnitude at most 3 a
/// log-softmax is within about 1e-6 of the float64 value, so the hand comparisons allow 1e-5 absolute; each
/// case differs from the plain cross-entropy (what a loss that ignored the option would give) by more than 0.01.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ClassificationLossTests
{
    private const double Tolerance = 1e-5;

    // Four photos, three classes; the input is the logits (IdentityModel).
    private static readonly float[][] Logits = [[2.0f, -1.0f, 0.5f], [0.1f, 0.2f, -0.3f], [-1.5f, 3.0f, 0.0f], [1.0f, 1.0f, -2.0f]];
    private static readonly long[] Labels = [0, 2, 1, 1];

    [Fact]
    public void Compute_LabelSmoothing_MixesCrossEntropyWithMeanOverClasses()
    {
        const double epsilon = 0.1;
        var loss = new ClassificationLoss { LabelSmoothing = epsilon };

        double actual = Run(loss, Logits, Labels, new Random(1));

        // (1 − ε)·CE + ε·(1/K)·Σ_c −log p_c, averaged over the photos.
        double expected = Enumerable.Range(0, Logits.Length).Average(i =>
        {
            double[] logP = LogSoftmax(Logits[i]);
            return ((1 - epsilon) * -logP[Labels[i]]) + (epsilon * logP.Average(v => -v));
        });
        Assert.Equal(expected, actual, Tolerance);
        Assert.True(Math.Abs(actual - MeanCrossEntropy(Logits, Labels)) > 0.01, "smoothing changed nothing");
    }

    [Fact]
    public void Compute_ClassWeights_WeightedMeanOfCrossEntropies()
    {
        double[] weights = [0.5, 3.0, 1.5];
        var loss = new ClassificationLoss { ClassWeights = weights };

        double actual = Run(loss, Logits, Labels, new Random(1));

        // Σ_i w_{y_i}·CE_i / Σ_i w_{y_i}.
        double numerator = Enumerable.Range(0, Logits.Length).Sum(i => weights[Labels[i]] * -LogSoftmax(Logits[i])[Labels[i]]);
        double expected = numerator / Labels.Sum(l => weights[l]);
        Assert.Equal(expected, actual, Tolerance);
        Assert.True(Math.Abs(actual - MeanCrossEntropy(Logits, Labels)) > 0.01, "the weights changed nothing");
    }

    [Fact]
    public void Compute_Mixup_BlendOfBothLabelsLossesOnBlendedInput()
    {
        const double alpha = 0.4;
        const int seed = 11;
        var loss = new ClassificationLoss { MixupAlpha = alpha };

        double actual = Run(loss, Logits, Labels, new Random(seed));

        // Replays the draws: λ, then the pairing by Fisher–Yates from the end.
        var replay = new Random(seed);
        double lambda = Beta.Sample(replay, alpha);
        int n = Logits.Length;
        int[] pairing = [.. Enumerable.Range(0, n)];
        for (int i = n - 1; i > 0; i--)
        {
            int j = replay.Next(i + 1);
            (pairing[i], pairing[j]) = (pairing[j], pairing[i]);
        }

        Assert.True(lambda is > 0.05 and < 0.95 && !pairing.SequenceEqual(Enumerable.Range(0, n)), $"seed {seed}: λ {lambda}, pairing [{string.Join(", ", pairing)}] would not test the blend");
        float[][] mixed = [.. Enumerable.Range(0, n).Select(i => Logits[i].Select((v, c) => (float)((lambda * v) + ((1 - lambda) * Logits[pairing[i]][c]))).ToArray())];
        double expected = (lambda * MeanCrossEntropy(mixed, Labels)) + ((1 - lambda) * MeanCrossEntropy(mixed, [.. pairing.Select(p => Labels[p])]));
        Assert.Equal(expected, actual, Tolerance);
        Assert.True(Math.Abs(actual - MeanCrossEntropy(Logits, Labels)) > 0.01, "mixup changed nothing");
    }

    [Fact]
    public void Compute_MixupAlphaZero_PlainCrossEntropy()
    {
        double actual = Run(new ClassificationLoss { MixupAlpha = 0 }, Logits, Labels, new Random(11));

        Assert.Equal(MeanCrossEntropy(Logits, Labels), actual, Tolerance);
    }

    [Fact]
    public void Compute_MixupBatchOfOne_NoMixing()
    {
        float[][] one = [Logits[2]];
        long[] label = [Labels[2]];

        double actual = Run(new ClassificationLoss { MixupAlpha = 0.4 }, one, label, new Random(11));

        Assert.Equal(MeanCrossEntropy(one, label), actual, Tolerance);
    }

    [Fact]
    public void BetaSample_AlphaPointFour_MeanAndVarianceOfBeta()
    {
        const double alpha = 0.4;
        var rng = new Random(2024);

        double[] draws = [.. Enumerable.Range(0, 20000).Select(_ => Beta.Sample(rng, alpha))];

        // Beta(α, α): mean 1/2, variance 1 / (4(2α + 1)) = 0.1389. The mean's standard error over 20000
        // draws is 0.0026, so ±0.01 is about 4 of them; the variance is allowed 5%.
        var (mean, variance) = MeanAndVariance(draws);
        Assert.All(draws, d => Assert.InRange(d, 0.0, 1.0));
        Assert.InRange(mean, 0.49, 0.51);
        double expectedVariance = 1 / (4 * ((2 * alpha) + 1));
        Assert.InRange(variance, 0.95 * expectedVariance, 1.05 * expectedVariance);
    }

    [Fact]
    public void BetaSample_AlphaOne_Uniform()
    {
        var rng = new Random(7);

        double[] draws = [.. Enumerable.Range(0, 20000).Select(_ => Beta.Sample(rng, 1))];

        // Beta(1, 1) is uniform on [0, 1]: mean 1/2 (±0.01, about 5 standard errors of 0.002), variance 1/12 (±5%),
        // and each tenth of [0, 1] holds 10% of the draws (±1%, about 5 standard errors of 0.2%).
        var (mean, variance) = MeanAndVariance(draws);
        Assert.InRange(mean, 0.49, 0.51);
        Assert.InRange(variance, 0.95 / 12, 1.05 / 12);
        Assert.All(draws.GroupBy(d => Math.Min(9, (int)(d * 10))), g => Assert.InRange(g.Count() / 20000.0, 0.09, 0.11));
    }

    [Fact]
    public void BetaSample_SameSeed_SameSequence()
    {
        Random a = new(3), b = new(3), c = new(4);

        double[] first = [.. Enumerable.Range(0, 100).Select(_ => Beta.Sample(a, 0.4))];
        double[] second = [.. Enumerable.Range(0, 100).Select(_ => Beta.Sample(b, 0.4))];
        double[] other = [.. Enumerable.Range(0, 100).Select(_ => Beta.Sample(c, 0.4))];

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void StandardUpdater_MixupSameSeed_SameParameters()
    {
        var mixup = new ClassificationLoss { MixupAlpha = 0.4 };

        float[] first = TrainSteps(mixup, seed: 3);
        float[] second = TrainSteps(mixup, seed: 3);
        float[] plain = TrainSteps(new ClassificationLoss(), seed: 3);

        Assert.Equal(first, second); // bit for bit
        Assert.NotEqual(first, plain); // the mixup loss was the one minimized
    }

    // Six iterations (two epochs of three batches of 8) of Adam on the two-parameter model.
    private static float[] TrainSteps(ClassificationLoss loss, int seed)
    {
        using var model = new TwoParameterModel(0.3f, 0.1f);
        var updater = new StandardUpdater(model, new LineBatchSource(24, 8), optim.Adam(model.Parameters, 0.05), seed, loss);
        var observation = new Dictionary<string, double>();
        for (int i = 0; i < 6; i++)
        {
            updater.Update(observation);
        }

        return [model.W.item<float>(), model.B.item<float>()];
    }

    private static double Run(ClassificationLoss loss, float[][] logits, long[] labels, Random rng)
    {
        using var scope = NewDisposeScope();
        var model = new IdentityModel();
        Tensor input = tensor(logits.SelectMany(r => r).ToArray(), [logits.Length, logits[0].Length]);
        var (value, _) = loss.Compute(model, "x", input, tensor(labels), rng);
        return value.item<float>();
    }

    private static double MeanCrossEntropy(float[][] logits, long[] labels) =>
        Enumerable.Range(0, logits.Length).Average(i => -LogSoftmax(logits[i])[labels[i]]);

    private static double[] LogSoftmax(float[] row)
    {
        double max = row.Max();
        double logSum = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
        return [.. row.Select(v => v - logSum)];
    }

    private static (double Mean, double Variance) MeanAndVariance(double[] values)
    {
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    /// <summary>A model whose logits are its input: the loss sees exactly the numbers the test gives.</summary>
    private sealed class IdentityModel : ITrainableModel
    {
        public void Train(bool training)
        {
        }

        public Tensor Logits(string tensorName, Tensor input) => input;

        public IEnumerable<(string Name, Tensor Value)> TrainableState() => [];

        public void LoadState(IReadOnlyDictionary<string, Tensor> state)
        {
        }
    }
}
