using Tenni.Features;

namespace Tenni.Tests.Features;

public sealed class FeatureStoreTests
{
    [Fact]
    public void Gather_MemoryAndMemoryMapped_SameRows()
    {
        // Given 10 rows of shape [2, 3] in row files, as the cache writes them
        string folder = Directory.CreateTempSubdirectory("tenni-store").FullName;
        var files = Enumerable.Range(0, 10).Select(i =>
        {
            string path = Path.Combine(folder, $"{i}.f32");
            float[] row = Enumerable.Range(0, 6).Select(j => (i * 10f) + j).ToArray();
            CacheRow.Write(path, row);
            return path;
        }).ToArray();

        // When gathered from memory and from a memory-mapped file (limit 0 bytes forces the file)
        using var memory = FeatureStore.FromRowFiles(files, [2, 3], Path.Combine(folder, "scratch"));
        using var mapped = FeatureStore.FromRowFiles(files, [2, 3], Path.Combine(folder, "scratch"), inMemoryLimitBytes: 0);
        using var a = memory.Gather([7, 2, 9]);
        using var b = mapped.Gather([7, 2, 9]);

        // Then both give the same [3, 2, 3] rows
        Assert.False(memory.IsMemoryMapped);
        Assert.True(mapped.IsMemoryMapped);
        Assert.Equal([3L, 2, 3], b.shape);
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
        Assert.Equal([70f, 71, 72, 73, 74, 75], b[0].flatten().data<float>().ToArray());
    }

    [Fact]
    public void FromRowFiles_WrongRowSize_SaysToRebuildTheCache()
    {
        string folder = Directory.CreateTempSubdirectory("tenni-store").FullName;
        string file = Path.Combine(folder, "0.f32");
        File.WriteAllBytes(file, new byte[8]);

        var error = Assert.Throws<TenniException>(() => FeatureStore.FromRowFiles([file], [3], folder));

        Assert.Contains("delete the cache folder", error.Message);
    }
}
