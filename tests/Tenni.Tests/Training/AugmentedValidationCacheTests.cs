using System.Text.Json;
using Tenni.Tests.Support;

namespace Tenni.Tests.Training;

/// <summary>
/// Issue 17, item 3: with augmentation the training photos run through the whole network, but the
/// validation photos are never augmented, so their frozen activations are cached, exactly: the run
/// with the validation cache logs what the run without any cache logs.
/// </summary>
[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class AugmentedValidationCacheTests
{
    [Fact]
    public void Train_AugmentedWithCache_ValidationCachedAndLogEqualToUncachedRun()
    {
        string data = Path.Combine(TestData.RepositoryRoot, "samples", "pets");
        string root = Directory.CreateTempSubdirectory("tenni-augment-cache").FullName;
        var options = TrainOptions.Chapter with { Epochs = 2, BatchSize = 16, Augmentation = new Augmentation { HorizontalFlip = true }, CacheFolder = Path.Combine(root, "cache"), Report = false };
        var printed = new StringWriter();

        TrainingRun.Train(data, Path.Combine(root, "cached"), options, printed);
        TrainingRun.Train(data, Path.Combine(root, "uncached"), options with { Cache = false }, new StringWriter());

        Assert.Contains("the validation photos, never augmented, are cached at pool5", printed.ToString());
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(root, "cache"), "*", SearchOption.AllDirectories));
        var cached = Log(Path.Combine(root, "cached", "log"));
        var uncached = Log(Path.Combine(root, "uncached", "log"));
        Assert.Equal(2, cached.Count);
        for (int epoch = 0; epoch < cached.Count; epoch++)
        {
            foreach (string key in new[] { "main/loss", "validation/main/loss", "validation/main/accuracy" })
            {
                // The same float32 operations in another grouping (activations stored, then the rest): 1e-5.
                Assert.Equal(uncached[epoch][key], cached[epoch][key], 1e-5);
            }
        }
    }

    private static List<Dictionary<string, double>> Log(string path)
    {
        using var log = JsonDocument.Parse(File.ReadAllText(path));
        return [.. log.RootElement.EnumerateArray().Select(e => e.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).ToDictionary(p => p.Name, p => p.Value.GetDouble()))];
    }
}
