using Tenni.Data;
using Tenni.Imaging;

namespace Tenni.Tests.Data;

/// <summary><see cref="DataLoader.Order"/> with <see cref="Sampler.Balanced"/>: no files are read, so the samples are fake.</summary>
public sealed class BalancedSamplerTests
{
    // 1000 photos of class 0, 100 of class 1 (10:1), interleaved.
    private static readonly ImageSample[] Imbalanced =
        [.. Enumerable.Range(0, 1100).Select(i => new ImageSample($"/nowhere/{i}.jpg", i % 11 == 0 ? 1 : 0, $"hash{i}", 32, 32, "JPEG"))];

    private static DataLoader Loader(bool shuffle, Sampler sampler, int seed = 1) =>
        new(Imbalanced, Preprocessing.Caffe(16), new DataLoaderOptions { Shuffle = shuffle, Sampler = sampler, Seed = seed });

    [Fact]
    public void Order_Balanced_AsManyValidDrawsAsSamples()
    {
        int[] draws = Loader(shuffle: true, Sampler.Balanced).Order(0);

        Assert.Equal(Imbalanced.Length, draws.Length);
        Assert.All(draws, i => Assert.InRange(i, 0, Imbalanced.Length - 1));
        Assert.True(draws.Distinct().Count() < draws.Length, "no photo drawn twice: not drawing with replacement"); // minority photos repeat
    }

    [Fact]
    public void Order_Balanced_ClassesDrawnEvenly()
    {
        var loader = Loader(shuffle: true, Sampler.Balanced);

        // Each draw is class 1 with probability 1/2: over 1100 draws the share's standard deviation is 1.5%,
        // so 40–60% is more than 6 of them; the plain shuffle gives class 1 only 9%.
        foreach (int epoch in new[] { 0, 1, 2 })
        {
            double minority = loader.Order(epoch).Count(i => Imbalanced[i].Label == 1) / (double)Imbalanced.Length;
            Assert.InRange(minority, 0.4, 0.6);
        }
    }

    [Fact]
    public void Order_Balanced_SameEpochSameDrawsOtherEpochOthers()
    {
        var loader = Loader(shuffle: true, Sampler.Balanced);

        Assert.Equal(loader.Order(3), Loader(shuffle: true, Sampler.Balanced).Order(3));
        Assert.NotEqual(loader.Order(3), loader.Order(4));
        Assert.NotEqual(loader.Order(3), Loader(shuffle: true, Sampler.Balanced, seed: 2).Order(3));
    }

    [Theory]
    [InlineData(false, Sampler.Balanced)]
    [InlineData(true, Sampler.Shuffle)]
    [InlineData(false, Sampler.Shuffle)]
    public void Order_UnshuffledOrShuffleSampler_Permutation(bool shuffle, Sampler sampler)
    {
        int[] order = Loader(shuffle, sampler).Order(0);

        Assert.Equal(Enumerable.Range(0, Imbalanced.Length), order.Order());
        if (!shuffle)
        {
            Assert.Equal(Enumerable.Range(0, Imbalanced.Length), order); // validation keeps the samples' order
        }
    }
}
