using System.Diagnostics;
using Google.Protobuf;
using Tenni.Data;
using Tenni.IO;
using Tenni.Onnx;
using Tenni.Tests.Cli;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Tenni.Tests.Hardening;

/// <summary>
/// What a second, independent hostile round found after the first fixes (a reviewer tried new cases
/// against the merged CLI): each test failed before its fix. None needs a model.
/// </summary>
public sealed class SecondHostileRoundTests
{
    [Fact]
    public void VerifyReport_OntoAFifoOrAFolder_Exit2AndNothingReplaced()
    {
        // A rename over a device node or FIFO replaces it: /dev/null became a 63 MB file.
        string data = TempDataset.Create(("a", 2), ("b", 2));
        string place = Directory.CreateTempSubdirectory("tenni-out").FullName;
        string fifo = Path.Combine(place, "report.json");
        SpecialFiles.MakeFifo(fifo);

        var onFifo = CliRunner.Run("verify", data, "--report", fifo);
        var onFolder = CliRunner.Run("verify", data, "--report", place);

        Assert.Equal(2, onFifo.ExitCode);
        Assert.Contains("FIFO", onFifo.Error);
        Assert.Equal(FileKind.Fifo, FileStatus.Of(fifo, followLinks: false).Kind);
        Assert.Equal(2, onFolder.ExitCode);
        Assert.Contains("a folder", onFolder.Error);
    }

    [Fact]
    public void Resume_SnapshotLinkedToAnotherRun_Exit2AndTheOtherRunIntact()
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));
        string runs = Directory.CreateTempSubdirectory("tenni-runs").FullName;
        string other = Directory.CreateDirectory(Path.Combine(runs, "other", "snapshot")).FullName;
        File.WriteAllText(Path.Combine(other, "state.json"), "{}");
        Directory.CreateDirectory(Path.Combine(runs, "mine"));
        Directory.CreateSymbolicLink(Path.Combine(runs, "mine", "snapshot"), other);

        var (code, _, error) = CliRunner.Run("train", "--data", data, "--out", Path.Combine(runs, "mine"), "--resume");

        Assert.Equal(2, code);
        Assert.Contains("is a link", error);
        Assert.True(File.Exists(Path.Combine(other, "state.json")));
    }

    [Fact]
    public void JsonFields_LinkToDevZero_RefusedWithoutReading()
    {
        string folder = Directory.CreateTempSubdirectory("tenni-json").FullName;
        string json = Path.Combine(folder, "model.json");
        File.CreateSymbolicLink(json, "/dev/zero");

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<TenniException>(() => JsonFields.Read(json, "train again"));

        Assert.Contains("character device", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void DatasetSplitLoad_HugeSparseListOrDevZero_RefusedWithoutReading()
    {
        string run = Directory.CreateTempSubdirectory("tenni-split").FullName;
        using (var sparse = File.Create(Path.Combine(run, DatasetSplit.TrainFile)))
        {
            sparse.SetLength(3L << 30);
        }

        File.CreateSymbolicLink(Path.Combine(run, DatasetSplit.ValidationFile), "/dev/zero");

        Assert.Contains("bytes, the most", Assert.Throws<TenniException>(() => DatasetSplit.Load(run, ["a", "b"])).Message);
        File.Delete(Path.Combine(run, DatasetSplit.TrainFile));
        File.WriteAllText(Path.Combine(run, DatasetSplit.TrainFile), "label\tclass\tsha256\tpath\n");
        Assert.Contains("character device", Assert.Throws<TenniException>(() => DatasetSplit.Load(run, ["a", "b"])).Message);
    }

    [Theory]
    [InlineData(1L << 40, 0L)] // crashed libtorch with SIGFPE
    [InlineData(1L, 5000L)]    // pads of 2,000 on a 224×224 image took 3.5 GB
    [InlineData(0L, 0L)]
    public void Conv_StrideOrPadsOutOfRange_RefusedNamingTheNode(long stride, long pad)
    {
        var model = new OnnxGraphBuilder(13, "x", 1, 3, 8, 8)
            .Initializer("w", new float[4 * 3 * 3 * 3], 4, 3, 3, 3)
            .Node("Conv", ["x", "w"], ["y"], "conv", Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad))
            .Output("y")
            .Build();
        using var graph = OnnxGraph.FromModel(OnnxModelFile.Parse(model.ToByteArray()));
        using var scope = NewDisposeScope();

        var e = Assert.Throws<TenniException>(() => graph.Run(zeros(1, 3, 8, 8), ["y"]));

        Assert.Contains("ONNX node 'conv' (Conv)", e.Message);
    }

    [Fact]
    public void Train_CacheDirInsideTheData_Exit2AndNothingWritten()
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));

        var (code, _, error) = CliRunner.Run("train", "--data", data, "--cache-dir", Path.Combine(data, "a", "cache"), "--out", Path.Combine(Directory.CreateTempSubdirectory("tenni-run").FullName, "run"));

        Assert.Equal(2, code);
        Assert.Contains("never writes into a data folder", error);
        Assert.False(Directory.Exists(Path.Combine(data, "a", "cache")));
    }

    [Fact]
    public void Train_OutIsAFileOrAFolderOfOtherFiles_Exit2AndTheFilesUnchanged()
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));
        string place = Directory.CreateTempSubdirectory("tenni-out").FullName;
        string file = Path.Combine(place, "notes.txt");
        File.WriteAllText(file, "mine");
        string folder = Directory.CreateDirectory(Path.Combine(place, "mine")).FullName;
        File.WriteAllText(Path.Combine(folder, "config.json"), "my own");

        var onFile = CliRunner.Run("train", "--data", data, "--out", file);
        var onFolder = CliRunner.Run("train", "--data", data, "--out", folder);

        Assert.Equal(2, onFile.ExitCode);
        Assert.Equal(2, onFolder.ExitCode);
        Assert.Contains("is not a training run", onFolder.Error);
        Assert.Equal("mine", File.ReadAllText(file));
        Assert.Equal("my own", File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.Single(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void Train_MissingDataFolderWithTheRunInside_Exit2AndNothingCreated()
    {
        string missing = Path.Combine(Directory.CreateTempSubdirectory("tenni-missing").FullName, "data");

        var (code, _, error) = CliRunner.Run("train", "--data", missing, "--out", Path.Combine(missing, "run"));

        Assert.Equal(2, code);
        Assert.Contains("never writes into a data folder", error);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/proc")]
    public void Scan_ClassFolderLinkedToRootOrProc_NotWalked(string target)
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));
        Directory.CreateSymbolicLink(Path.Combine(data, "c"), target);

        var clock = Stopwatch.StartNew();
        var (code, _, error) = CliRunner.Run("verify", data);

        Assert.Equal(2, code);
        Assert.Contains("class 'c'", error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Expand_ProcFolder_NothingRead()
    {
        var listing = Tenni.Imaging.FolderWalker.Walk("/proc/self", skipHidden: false);

        Assert.Empty(listing.Files);
        Assert.Contains("system folder", Assert.Single(listing.Skipped).Message);
    }
}
