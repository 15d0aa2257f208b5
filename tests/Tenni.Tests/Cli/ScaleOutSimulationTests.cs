using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Tenni.Features;
using Tenni.Tests.Support;
using Xunit.Abstractions;

namespace Tenni.Tests.Cli;

/// <summary>
/// Issue 18's acceptance check, by simulation: four <c>tenni extract --shard auto</c> processes run at once
/// on PetImages-mini with <c>JOB_COMPLETION_INDEX</c> set as a Kubernetes Indexed Job sets it; one is
/// killed after its first chunk and rerun; the merged store must hold, bit for bit, the rows of a
/// single-process extraction, and <c>train --features</c> must log what <c>train --data</c> logs.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ScaleOutSimulationTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private readonly string _root = Directory.CreateTempSubdirectory("tenni-scale-out").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    [Trait("Category", Categories.RealModel)]
    [Trait("Category", Categories.ScaleOut)]
    public void ExtractFourShards_OneKilledAndRerun_MergesToTheSingleProcessRowsAndTrainsTheSameLog()
    {
        string single = Path.Combine(_root, "single");
        string sharded = Path.Combine(_root, "sharded");

        var total = Stopwatch.StartNew();
        void Stage(string name) => log.WriteLine($"{total.Elapsed.TotalSeconds,6:F1} s  {name}");

        // Given a single-process store and four shard processes, shard 2 killed once its first chunk is committed
        Assert.Equal(0, Tenni(null, "extract", TestData.PetImages, "--shard", "0/1", "--out", single, "--chunk-rows", "32").ExitCode);
        Stage("single-process extract");
        var processes = Enumerable.Range(0, 4).Select(i => Start(i, "extract", TestData.PetImages, "--shard", "auto", "--shards", "4", "--out", sharded, "--chunk-rows", "32")).ToArray();
        string firstChunk = new ShardFolder(sharded, new Shard(2, 4)).ChunkIndexFile(0);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(firstChunk) && clock.Elapsed < Limit)
        {
            Thread.Sleep(20);
        }

        processes[2].Kill(entireProcessTree: true);
        foreach (var process in processes)
        {
            Assert.True(process.WaitForExit(Limit));
        }

        Stage("4 shard processes (shard 2 killed)");
        Assert.All(new[] { 0, 1, 3 }, i => Assert.Equal(0, processes[i].ExitCode));
        var incomplete = Tenni(null, "features", "verify", sharded);
        Assert.Equal(2, incomplete.ExitCode);
        Assert.Contains("rerun shard(s) 2", incomplete.Error);

        // When shard 2 runs again (twice), and the store is merged
        var rerun = Tenni(2, "extract", TestData.PetImages, "--shard", "auto", "--shards", "4", "--out", sharded, "--chunk-rows", "32");
        var again = Tenni(2, "extract", TestData.PetImages, "--shard", "auto", "--shards", "4", "--out", sharded, "--chunk-rows", "32");
        Assert.Equal(0, Tenni(null, "features", "merge", sharded).ExitCode);
        Assert.Equal(0, Tenni(null, "features", "merge", single).ExitCode);
        Stage("verify, rerun shard 2 twice, merge both stores");

        // Then the rerun kept the committed chunk, the second did nothing, and the rows are the single process's, bit for bit
        Assert.Matches(@"chunks computed, [1-9]\d* kept from an earlier run", rerun.Output);
        Assert.Contains("already complete", again.Output);
        var (singleFiles, singleRows) = Rows(single);
        var (shardedFiles, shardedRows) = Rows(sharded);
        Assert.Equal(singleFiles, shardedFiles);
        Assert.True(MemoryMarshal.AsBytes(singleRows.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(shardedRows.AsSpan())), "merged rows differ from the single-process rows");

        // And training from the store logs what training from the images logs (elapsed time aside)
        string[] recipe = ["--recipe", "chapter", "--epochs", "2", "--seed", "3", "--no-report"];
        Assert.Equal(0, Tenni(null, ["train", "--data", TestData.PetImages, "--out", Path.Combine(_root, "from-images"), "--cache-dir", Path.Combine(_root, "cache"), .. recipe]).ExitCode);
        Stage("train --data");
        Assert.Equal(0, Tenni(null, ["train", "--features", sharded, "--out", Path.Combine(_root, "from-store"), .. recipe]).ExitCode);
        Stage("train --features");
        Assert.Equal(Log(Path.Combine(_root, "from-images")), Log(Path.Combine(_root, "from-store")));
    }

    private static (string[] Files, float[] Rows) Rows(string store)
    {
        var merged = MergedStore.Open(store);
        var samples = merged.Entries.Select(e => new Tenni.Data.ImageSample(e.Entry.RelativePath, e.Entry.Label, e.Entry.Hash, 0, 0, "")).ToList();
        using var rows = merged.Rows(samples);
        using var all = rows.Gather(Enumerable.Range(0, samples.Count).ToArray());
        return (merged.Entries.Select(e => $"{e.Entry.RelativePath} {e.Entry.Hash}").ToArray(), all.data<float>().ToArray());
    }

    private static string Log(string run)
    {
        var entries = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "log")))!.AsArray();
        foreach (var entry in entries)
        {
            entry!.AsObject().Remove("elapsed_time");
        }

        return entries.ToJsonString();
    }

    private static (int ExitCode, string Output, string Error) Tenni(int? index, params string[] args)
    {
        using var process = Start(index, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    // The real tenni in its own process; JOB_COMPLETION_INDEX as Kubernetes sets it in an Indexed Job's pod.
    private static Process Start(int? index, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Tenni.Cli.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("JOB_COMPLETION_INDEX");
        start.Environment.Remove("SLURM_ARRAY_TASK_ID");
        if (index is int i)
        {
            start.Environment["JOB_COMPLETION_INDEX"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Process.Start(start)!;
    }
}
