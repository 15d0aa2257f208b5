using Tenni.Data;
using Tenni.Tests.Support;

namespace Tenni.Tests.Data;

public sealed class DatasetSplitTests
{
    private static readonly Lazy<ImageFolder> Pets = new(() => ImageFolder.Scan(TestData.PetImages));

    [Fact]
    public void Random_SameSeed_SameLists()
    {
        var first = DatasetSplit.Random(Pets.Value, new SplitOptions { Seed = 1 });
        var second = DatasetSplit.Random(Pets.Value, new SplitOptions { Seed = 1 });
        var other = DatasetSplit.Random(Pets.Value, new SplitOptions { Seed = 2 });

        Assert.Equal(first.Train, second.Train);
        Assert.Equal(first.Validation, second.Validation);
        Assert.NotEqual(first.Train, other.Train);
    }

    [Fact]
    public void Random_Stratified_KeepsClassProportionsOnBothSides()
    {
        var split = DatasetSplit.Random(Pets.Value, new SplitOptions { TrainFraction = 0.7, Seed = 1 });

        Assert.Equal(401, split.Train.Count + split.Validation.Count);
        Assert.Equal(141, split.Train.Count(s => s.Label == 0)); // round(202 × 0.7)
        Assert.Equal(139, split.Train.Count(s => s.Label == 1)); // round(199 × 0.7)
        Assert.Empty(split.Train.Intersect(split.Validation));
    }

    [Fact]
    public void Random_NotStratified_SplitsTheWholeSetSeventyThirty()
    {
        var split = DatasetSplit.Random(Pets.Value, new SplitOptions { Method = SplitMethod.Random });

        Assert.Equal(281, split.Train.Count); // round(401 × 0.7)
        Assert.Equal(120, split.Validation.Count);
    }

    [Fact]
    public void Random_IdenticalFiles_NeverOnBothSides()
    {
        string root = TempDataset.Create(("a", 20), ("b", 20));
        for (int i = 0; i < 5; i++)
        {
            File.Copy(Path.Combine(root, "a", $"{i:D4}.png"), Path.Combine(root, "a", $"copy{i}.png"));
        }

        var folder = ImageFolder.Scan(root);
        foreach (int seed in Enumerable.Range(0, 20))
        {
            var split = DatasetSplit.Random(folder, new SplitOptions { Seed = seed, TrainFraction = 0.5 });
            var trainHashes = split.Train.Select(s => s.ContentHash).ToHashSet();
            Assert.DoesNotContain(split.Validation, s => trainHashes.Contains(s.ContentHash));
        }
    }

    [Fact]
    public void SaveLoad_RoundTrip_SameFilesAndLabels()
    {
        var split = DatasetSplit.Random(Pets.Value);
        string folder = Directory.CreateTempSubdirectory("tenni-split").FullName;

        split.Save(folder);
        var loaded = DatasetSplit.Load(folder, split.Classes);

        Assert.Equal(split.Train.Select(s => (s.Path, s.Label, s.ContentHash)), loaded.Train.Select(s => (s.Path, s.Label, s.ContentHash)));
        Assert.Equal(split.Validation.Select(s => s.Path), loaded.Validation.Select(s => s.Path));
        Assert.StartsWith("label\tclass\tsha256\tpath", File.ReadAllText(Path.Combine(folder, DatasetSplit.TrainFile)));
    }

    [Fact]
    public void Explicit_TrainAndValTrees_UsedAsGiven()
    {
        string train = TempDataset.Create(("a", 4), ("b", 4));
        string val = Directory.CreateTempSubdirectory("tenni-val").FullName;
        Directory.CreateDirectory(Path.Combine(val, "a"));
        Directory.CreateDirectory(Path.Combine(val, "b"));
        TempDataset.WriteImage(Path.Combine(val, "a", "v.png"), 1000);
        TempDataset.WriteImage(Path.Combine(val, "b", "v.png"), 1001);

        var split = DatasetSplit.Explicit(ImageFolder.Scan(train), ImageFolder.Scan(val));

        Assert.Equal(8, split.Train.Count);
        Assert.Equal(2, split.Validation.Count);
    }

    [Fact]
    public void FromFolder_TrainAndValSubfolders_ExplicitElseRandom()
    {
        string root = Directory.CreateTempSubdirectory("tenni-trees").FullName;
        string train = TempDataset.Create(("a", 3), ("b", 3));
        string val = TempDataset.Create(("a", 0), ("b", 0));
        TempDataset.WriteImage(Path.Combine(val, "a", "x.png"), 500);
        TempDataset.WriteImage(Path.Combine(val, "b", "x.png"), 501);
        Directory.Move(train, Path.Combine(root, "train"));
        Directory.Move(val, Path.Combine(root, "val"));

        var split = DatasetSplit.FromFolder(root);

        Assert.StartsWith("explicit", split.Method);
        Assert.Equal((6, 2), (split.Train.Count, split.Validation.Count));
        Assert.StartsWith("stratified random 0.7/0.3, seed 1", DatasetSplit.FromFolder(TestData.PetImages).Method);
    }
}
