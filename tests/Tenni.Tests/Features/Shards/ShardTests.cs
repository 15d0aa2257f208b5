using System.Security.Cryptography;

namespace Tenni.Tests.Features.Shards;

public sealed class ShardTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/4", 2, 4)]
    [InlineData("99/100", 99, 100)]
    public void Parse_IndexSlashCount_GivesTheShard(string text, int index, int count)
    {
        Assert.Equal(new Shard(index, count), Shard.Parse(text, null, Env()));
    }

    [Fact]
    public void Parse_AutoWithKubernetesIndex_TakesTheCountFromShards()
    {
        Assert.Equal(new Shard(3, 4), Shard.Parse("auto", 4, Env(("JOB_COMPLETION_INDEX", "3"))));
    }

    [Fact]
    public void Parse_AutoWithSlurmArray_TakesIndexAndCountFromTheEnvironment()
    {
        Assert.Equal(new Shard(5, 8), Shard.Parse("auto", null, Env(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "8"))));
    }

    [Theory]
    [InlineData("2-4", null, "is not I/N or auto")]
    [InlineData("a/4", null, "is not I/N or auto")]
    [InlineData("-1/4", null, "is not I/N or auto")]
    [InlineData("4/4", null, "out of range for 4 shards; expected 0 to 3")]
    [InlineData("0/0", null, "0 shards; expected 1")]
    [InlineData("1/4", 8, "--shards says 8")]
    [InlineData("auto", 4, "neither is set")]
    public void Parse_BadInput_SaysWhatIsValid(string text, int? shards, string expected)
    {
        var error = Assert.Throws<TenniException>(() => Shard.Parse(text, shards, Env()));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Parse_AutoKubernetesWithoutShards_AsksForShards()
    {
        var error = Assert.Throws<TenniException>(() => Shard.Parse("auto", null, Env(("JOB_COMPLETION_INDEX", "1"))));
        Assert.Contains("--shards N", error.Message);
    }

    [Fact]
    public void Parse_AutoKubernetesIndexOutOfRange_SaysTheRange()
    {
        var error = Assert.Throws<TenniException>(() => Shard.Parse("auto", 4, Env(("JOB_COMPLETION_INDEX", "4"))));
        Assert.Contains("expected 0 to 3", error.Message);
    }

    [Fact]
    public void OwnerOf_ManyHashes_EveryImageInExactlyOneShardAndShardsBalanced()
    {
        string[] hashes = Enumerable.Range(0, 4000).Select(i => Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i))).ToLowerInvariant()).ToArray();
        var shards = Enumerable.Range(0, 4).Select(i => new Shard(i, 4)).ToArray();

        Assert.All(hashes, h => Assert.Single(shards, s => s.Owns(h)));
        Assert.All(shards, s => Assert.InRange(hashes.Count(s.Owns), 900, 1100));
    }

    [Fact]
    public void OwnerOf_DependsOnTheHashOnly_AddingImagesMovesNone()
    {
        string hash = Convert.ToHexString(SHA256.HashData("a photo"u8)).ToLowerInvariant();

        Assert.Equal(Shard.OwnerOf(hash, 8), Shard.OwnerOf(hash, 8));
        Assert.Equal((int)(Convert.ToUInt64(hash[..16], 16) % 8), Shard.OwnerOf(hash, 8));
    }
}
