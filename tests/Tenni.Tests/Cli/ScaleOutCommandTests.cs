using Tenni.Features;
using Tenni.Tests.Support;

namespace Tenni.Tests.Cli;

/// <summary>The scale-out commands' bad input: one line on stderr saying what is wrong and what is valid, exit 2, before any model loads.</summary>
public sealed class ScaleOutCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tenni-scale-cli").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(new[] { "--shard", "2-4", "--out", "STORE" }, "--shard '2-4' is not I/N or auto")]
    [InlineData(new[] { "--shard", "4/4", "--out", "STORE" }, "shard index 4 is out of range for 4 shards; expected 0 to 3")]
    [InlineData(new[] { "--shard", "0/2" }, "give it with --out STORE")]
    [InlineData(new[] { "--shards", "4" }, "add --shard I/N (or auto) and --out STORE")]
    [InlineData(new[] { "--float16", "--out", "x.npy" }, "add --shard I/N (or auto) and --out STORE")]
    public void Extract_BadShardOptions_OneLineAndExitTwo(string[] options, string expected)
    {
        var (code, _, error) = CliRunner.Run(["extract", TestData.PetImages, .. options.Select(o => o.Replace("STORE", Path.Combine(_root, "store"), StringComparison.Ordinal))]);

        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Extract_ShardOfTwoFolders_SaysOneFolder()
    {
        var (code, _, error) = CliRunner.Run("extract", TestData.PetImages, _root, "--shard", "0/2", "--out", Path.Combine(_root, "store"));

        Assert.Equal(2, code);
        Assert.Contains("--shard extracts one folder with one sub-folder per class", error);
    }

    [Fact]
    public void Features_MissingStore_SaysHowToCreateOne()
    {
        var (code, _, error) = CliRunner.Run("features", "verify", Path.Combine(_root, "none"));

        Assert.Equal(2, code);
        Assert.Contains("does not exist; create it with 'tenni extract DIR --shard I/N --out", error);
    }

    [Fact]
    public void FeaturesMerge_IncompleteStore_ListsProblemsAndNamesTheShardToRerun()
    {
        string store = Path.Combine(_root, "store");
        Directory.CreateDirectory(store);
        var metadata = new StoreMetadata(StoreMetadata.FormatName, StoreMetadata.CurrentVersion, "resnet18", new string('a', 64), "pool5", "t", [4], "p", true, "fp32", FeatureDType.Float32, 2, 8, ["a", "b"], "/d");
        metadata.CreateOrCheck(store, "test");
        var entries = Enumerable.Range(0, 20).Select(i => new StoreEntry($"a/{i}.png", 0, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))).ToLowerInvariant(), 1, 1, "Png"));
        new ShardWriter(store, metadata, new Shard(0, 2)).Write(entries.Where(e => new Shard(0, 2).Owns(e.Hash)).ToList(), [], c => new float[c.Count * 4]);

        var (code, output, error) = CliRunner.Run("features", "merge", store);

        Assert.Equal(2, code);
        Assert.Contains("shard 1: never started", output);
        Assert.Contains("not complete (1 of 2 shards)", error);
        Assert.Contains("rerun shard(s) 1", error);
    }

    [Theory]
    [InlineData("--data", "give one of --data, --labels and --features")]
    [InlineData(null, "is not a feature store (no store.json)")]
    public void TrainFeatures_BadInput_OneLineAndExitTwo(string? alsoData, string expected)
    {
        string[] data = alsoData is null ? [] : [alsoData, TestData.PetImages];
        string store = Directory.CreateDirectory(Path.Combine(_root, "store")).FullName;
        var (code, _, error) = CliRunner.Run(["train", "--features", store, "--out", Path.Combine(_root, "run"), .. data]);

        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }
}
