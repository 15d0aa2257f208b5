using System.Text.Json;
using Tenni.Tests.Support;

namespace Tenni.Tests.Training;

/// <summary><c>tenni lr-find</c> / <see cref="LearningRateFinder"/> on the sample photos with the bundled ResNet18.</summary>
[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class LearningRateFinderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-lr-find").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Run_SamplePets_SweepsGeometrically_AndSuggestsARateWhereTheLossReallyFalls()
    {
        string data = Path.Combine(TestData.RepositoryRoot, "samples", "pets");
        string output = Path.Combine(_folder, "sweep");
        var printed = new StringWriter();

        var sweep = LearningRateFinder.Run(data, output, new TrainOptions { CacheFolder = Path.Combine(_folder, "cache") }, printed);

        Assert.Contains("lr-find: ", printed.ToString());
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(output, "lr-find.png"))[..4]);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "lr-find.json")));
        Assert.Equal(sweep.Rates.Count, json.RootElement.GetProperty("rates").GetArrayLength());
        Assert.Equal(1e-7, sweep.Rates[0], 1e-12);
        double ratio = sweep.Rates[1] / sweep.Rates[0];
        Assert.All(sweep.Rates.Zip(sweep.Rates.Skip(1)), p => Assert.Equal(ratio, p.Second / p.First, 1e-9));
        Assert.True(sweep.Rates.Count >= 50, $"{sweep.Rates.Count} steps");

        // The suggestion lies where training on it lowers the loss: the raw loss there is well below the
        // start (measured: 1.18 at 1e-7, about 0.1 at the suggestion 4.3e-4).
        int at = sweep.Rates.ToList().IndexOf(sweep.Steepest);
        Assert.InRange(sweep.Steepest, 1e-6, 1e-1);
        Assert.True(sweep.Losses[at] < 0.8 * sweep.Losses[0], $"loss {sweep.Losses[at]} at {sweep.Steepest}, {sweep.Losses[0]} at the start");
        Assert.True(sweep.Smoothed[at] < sweep.Smoothed[at - 1], "the smoothed loss falls at the suggestion");
        Assert.False(Directory.Exists(Path.Combine(output, "scratch")));

        var again = Assert.Throws<TenniException>(() => LearningRateFinder.Run(data, output, new TrainOptions(), new StringWriter()));
        Assert.Contains("is not empty", again.Message);
        string file = Path.Combine(_folder, "a-file");
        File.WriteAllText(file, "");
        Assert.Contains("is a file", Assert.Throws<TenniException>(() => LearningRateFinder.Run(data, file, new TrainOptions(), new StringWriter())).Message);
    }
}
