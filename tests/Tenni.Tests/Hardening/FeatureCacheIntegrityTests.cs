using System.Text.Json;
using Tenni.Tests.Support;
using Tenni.Features;

namespace Tenni.Tests.Hardening;

/// <summary>The feature cache: damaged rows are recomputed and counted, damaged metadata rebuilds the cache; neither throws.</summary>
[Collection(TorchCollection.Name)]
public sealed class FeatureCacheIntegrityTests
{
    [Fact]
    public void TryRead_TruncatedOrFlippedMetadata_SameShapeOrReportedNeverThrown()
    {
        // Given valid metadata
        string folder = Directory.CreateTempSubdirectory("tenni-cachemeta").FullName;
        FeatureCacheMetadata.Write(folder, [256, 14, 14]);
        string file = Path.Combine(folder, FeatureCacheMetadata.FileName);
        byte[] valid = File.ReadAllBytes(file);

        // When it is truncated or flipped, Then the reader gives the same shape or a problem (the
        // Mutations harness counts a problem, turned into a TenniException here, as a refusal; any
        // exception from the reader itself fails the test)
        Mutations.AssertLoadsSameOrRefuses(
            valid,
            seed: 31,
            bytes => File.WriteAllBytes(file, bytes),
            () => string.Join(",", FeatureCacheMetadata.TryRead(folder, out string? problem) ?? throw new TenniException(problem!)),
            "256,14,14",
            TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void TryRead_EmptyMetadata_ProblemNotException()
    {
        // On main an empty shape file made every later run fail with a FormatException.
        string folder = Directory.CreateTempSubdirectory("tenni-cachemeta").FullName;
        File.WriteAllBytes(Path.Combine(folder, FeatureCacheMetadata.FileName), []);

        Assert.Null(FeatureCacheMetadata.TryRead(folder, out string? problem));
        Assert.Contains("not valid JSON", problem);
    }

    [Fact]
    public void TryRead_TruncatedOrFlippedRow_AlwaysRejected()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("tenni-row").FullName, "row.f32");
        float[] row = Enumerable.Range(0, 64).Select(i => (i * 0.37f) - 3).ToArray();
        CacheRow.Write(file, row);
        byte[] valid = File.ReadAllBytes(file);
        float[] read = new float[row.Length];
        Assert.True(CacheRow.TryRead(file, read));
        Assert.Equal(row, read);

        foreach (var (name, bytes) in Mutations.Of(valid, seed: 32))
        {
            File.WriteAllBytes(file, bytes);
            Assert.False(CacheRow.TryRead(file, read), name);
        }
    }

    [Fact]
    public void TryRead_NonFiniteRowWithValidChecksum_Rejected()
    {
        // A row of the right size and checksum holding NaN was trained on silently on main.
        string file = Path.Combine(Directory.CreateTempSubdirectory("tenni-row").FullName, "row.f32");
        CacheRow.Write(file, [1, float.NaN, 2]);

        Assert.False(CacheRow.TryRead(file, new float[3]));
    }

    [Fact]
    public void Train_DamagedRowsAndMetadata_RecomputedSaidSoAndSameLog()
    {
        // Given a run that filled the cache
        var run = new TinyRun();
        run.Train(run.Options);
        string cache = Path.GetDirectoryName(Directory.GetFiles(run.CacheFolder, FeatureCacheMetadata.FileName, SearchOption.AllDirectories).Single())!;
        string[] rows = Directory.GetFiles(cache, "*.f32", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();

        // When three rows are damaged (a flipped byte, garbage of the right size, NaN with a valid checksum)
        byte[] flipped = File.ReadAllBytes(rows[0]);
        flipped[10] ^= 0x20;
        File.WriteAllBytes(rows[0], flipped);
        File.WriteAllBytes(rows[1], new byte[new FileInfo(rows[1]).Length]);
        float[] nan = new float[(new FileInfo(rows[2]).Length - 8) / 4];
        nan[0] = float.NaN;
        CacheRow.Write(rows[2], nan);
        string second = Path.Combine(Path.GetDirectoryName(run.Folder)!, "second");
        string output = run.Train(run.Options, folder: second);

        // Then the run says so and trains on recomputed rows: the same log as the first run
        Assert.Contains("3 cached rows were damaged and recomputed", output);
        Assert.Equal(WithoutTime(Path.Combine(run.Folder, "log")), WithoutTime(Path.Combine(second, "log")));

        // And when the metadata is emptied, the cache is discarded and rebuilt, with a message
        File.WriteAllBytes(Path.Combine(cache, FeatureCacheMetadata.FileName), []);
        string third = Path.Combine(Path.GetDirectoryName(run.Folder)!, "third");
        output = run.Train(run.Options, folder: third);
        Assert.Contains("discarding the cache and rebuilding it", output);
        Assert.Equal(WithoutTime(Path.Combine(run.Folder, "log")), WithoutTime(Path.Combine(third, "log")));
    }

    private static string WithoutTime(string log)
    {
        var entries = JsonDocument.Parse(File.ReadAllText(log)).RootElement.EnumerateArray()
            .Select(e => string.Join(";", e.EnumerateObject().Where(p => p.Name != "elapsed_time").Select(p => $"{p.Name}={p.Value}")));
        return string.Join("\n", entries);
    }
}
