using Tenni.Data;
using Tenni.Imaging;
using Tenni.Tests.Support;

namespace Tenni.Tests.Data;

public sealed class DataLoaderTests
{
    private static readonly Preprocessing Small = Preprocessing.Caffe(16);

    [Fact]
    public void Epoch_Unshuffled_YieldsEverySampleOnceInOrderWithPreprocessedValues()
    {
        var folder = ImageFolder.Scan(TempDataset.Create(("a", 5), ("b", 4)));
        var loader = new DataLoader(folder.Samples, Small, new DataLoaderOptions { BatchSize = 4 });

        var batches = loader.Epoch().ToList();

        Assert.Equal([4L, 4, 1], batches.Select(b => b.Images.shape[0]));
        Assert.Equal(folder.Samples, batches.SelectMany(b => b.Samples));
        Assert.Equal(folder.Samples.Select(s => (long)s.Label), batches.SelectMany(b => b.Labels.data<long>().ToArray()));
        using var expected = Small.ToTensor(ImageDecoder.Decode(folder.Samples[5].Path));
        Assert.Equal(expected.data<float>().ToArray(), batches[1].Images[1].data<float>().ToArray());
        batches.ForEach(b => b.Dispose());
    }

    [Fact]
    public void Epoch_FileOverTheLoadersByteLimit_StopsWithTheLimitInTheMessage()
    {
        // The loader reads with its own limits (give it the scan's); here one far below the files' size.
        var folder = ImageFolder.Scan(TempDataset.Create(("a", 2), ("b", 2)));
        var loader = new DataLoader(folder.Samples, Small, new DataLoaderOptions { BatchSize = 4, MaxFileBytes = 10 });

        var error = Assert.Throws<TenniException>(() => loader.Epoch().ToList());

        Assert.Contains("over the limit of 10 bytes", error.Message);
    }

    [Fact]
    public void Epoch_Shuffled_ReproducibleAndDifferentEachEpoch()
    {
        var folder = ImageFolder.Scan(TempDataset.Create(("a", 10), ("b", 10)));
        var options = new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 3 };

        string[] Paths(DataLoader loader, int epoch) => loader.Epoch(epoch).SelectMany(b => { b.Dispose(); return b.Samples; }).Select(s => s.Path).ToArray();
        var first = new DataLoader(folder.Samples, Small, options);
        var again = new DataLoader(folder.Samples, Small, options);

        Assert.Equal(Paths(first, 0), Paths(again, 0));
        Assert.NotEqual(Paths(first, 0), Paths(first, 1));
        Assert.Equal(folder.Samples.Select(s => s.Path).Order(), Paths(first, 1).Order());
    }

    [Fact]
    public void Epoch_Augmented_SameSeedSameTensors()
    {
        var folder = ImageFolder.Scan(TempDataset.Create(("a", 6), ("b", 6)));
        var options = new DataLoaderOptions { BatchSize = 12, Shuffle = true, Augmentation = new Augmentation { HorizontalFlip = true, RandomResizedCrop = true } };

        float[] Values() { using var b = new DataLoader(folder.Samples, Small, options).Epoch(2).Single(); return b.Images.data<float>().ToArray(); }

        Assert.Equal(Values(), Values());
    }

    [Fact]
    public void Epoch_ConsumerStopsEarly_ProducerStops()
    {
        var folder = ImageFolder.Scan(TempDataset.Create(("a", 20), ("b", 20)));
        var loader = new DataLoader(folder.Samples, Small, new DataLoaderOptions { BatchSize = 2, Prefetch = 1 });

        using var first = loader.Epoch().First();

        Assert.Equal(2, first.Samples.Count);
    }

    [Fact]
    public void Epoch_FileChangedSinceScan_ClearError()
    {
        string root = TempDataset.Create(("a", 2), ("b", 2));
        var folder = ImageFolder.Scan(root);
        File.WriteAllText(folder.Samples[0].Path, "gone");

        var error = Assert.Throws<TenniException>(() => new DataLoader(folder.Samples, Small).Epoch().ToList());

        Assert.Contains("has it changed", error.Message);
    }
}
