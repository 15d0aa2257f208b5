using Tenni.Features;
using Tenni.Models;
using Tenni.Native;
using Tenni.Tests.Hardening;
using Tenni.Tests.Support;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Tests.Training;

/// <summary>
/// Frozen layers in bfloat16 or float32 (issue 14) on the tiny ResNet50 (1/16 width, random weights): what
/// the run records, that prediction computes what training computed, that caches of the two precisions
/// never mix, and that the scan's decode fills the cache with the rows the extraction would compute.
/// </summary>
public sealed class PrecisionTests : IDisposable
{
    private readonly TinyRun _run = new();

    [Fact]
    public void Train_Bf16AfterFp32_ComputesItsOwnRows()
    {
        _run.Train(_run.Options with { Precision = Precision.Fp32 });
        _run.Train(_run.Options with { Precision = Precision.Bf16 }, folder: _run.Folder + "-bf16");

        // One key folder per precision under the model's cache folder: rows of one are never read as the other's.
        string modelFolder = Assert.Single(Directory.GetDirectories(_run.CacheFolder));
        Assert.Equal(2, Directory.GetDirectories(modelFolder).Length);
    }

    [Fact]
    public void Train_Bf16_OutputSaysWhy()
    {
        string output = _run.Train(_run.Options with { Precision = Precision.Bf16 });

        Assert.Contains("precision: bfloat16 frozen layers, as asked", output);
    }

    [Fact]
    public void Resolve_Auto_UsesBf16OnlyWhereTheCpuHasItAndTheModelWasMeasured()
    {
        var (resnet18, why18) = PrecisionChoice.Resolve(Precision.Auto, KnownModels.ResNet18);
        var (resnet50, why50) = PrecisionChoice.Resolve(Precision.Auto, KnownModels.ResNet50);

        Assert.Equal(CpuFeatures.HasNativeBf16 ? Precision.Bf16 : Precision.Fp32, resnet18);
        Assert.Equal(Precision.Fp32, resnet50);
        Assert.Contains(CpuFeatures.HasNativeBf16 ? "not been measured for resnet50" : "emulation", why50);
        Assert.NotEmpty(why18);
        Assert.Equal(Precision.Fp32, PrecisionChoice.Resolve(Precision.Fp32, KnownModels.ResNet18).Precision);
        Assert.Equal(Precision.Bf16, PrecisionChoice.Resolve(Precision.Bf16, KnownModels.ResNet50).Precision);
    }

    [Fact]
    public void ScanExtraction_ModelFailsToLoad_StopsTheScanAndThrowsTheLoadError()
    {
        // Given a scan that would go on for ever, and a model load that fails
        using var source = SourceModel.Load("resnet50", new SourceModelOptions { WeightsPath = _run.Weights, WidthDivisor = 16 });
        var scan = new ScanExtraction(source.Preprocessing, null);
        int scans = 0;

        // When the load fails, the scan is stopped through its token, and the load's error is the one thrown
        var e = Assert.Throws<TenniException>(() => scan.Run<ImageFolder>(
            (decoded, cancel) =>
            {
                while (true)
                {
                    scans++;
                    ImageFolder.Scan(_run.Data, new ImageFolderOptions { Decoded = decoded, Cancel = cancel });
                }
            },
            () => throw new TenniException("unknown layer 'fc9'")));

        Assert.Equal("unknown layer 'fc9'", e.Message);
        Assert.True(scans >= 1);
        Assert.Equal(0, scan.Computed);
    }

    [Fact]
    public void ScanExtraction_NothingToCache_ReturnsTheScanAndComputesNothing()
    {
        using var source = SourceModel.Load("resnet50", new SourceModelOptions { WeightsPath = _run.Weights, WidthDivisor = 16 });
        var scan = new ScanExtraction(source.Preprocessing, null, batchSize: 5, batchesPerTurn: 1, turnsAhead: 1);

        var folder = scan.Run((decoded, cancel) => ImageFolder.Scan(_run.Data, new ImageFolderOptions { Decoded = decoded, Cancel = cancel }), () => null);

        Assert.Equal(ImageFolder.Scan(_run.Data).Samples.Count, folder.Samples.Count);
        Assert.Equal(0, scan.Computed);
    }

    [Fact]
    public void ScanExtraction_WarmCache_ComputesNothingAgain()
    {
        using var source = SourceModel.Load("resnet50", new SourceModelOptions { WeightsPath = _run.Weights, WidthDivisor = 16 });
        var cache = new FeatureCache(source, null, source.Resolve("pool5").Tensor, Path.Combine(_run.CacheFolder, "warm"));
        ImageFolder Scan(ScanExtraction scan) => scan.Run((decoded, cancel) => ImageFolder.Scan(_run.Data, new ImageFolderOptions { Decoded = decoded, Cancel = cancel }), () => cache);

        var first = new ScanExtraction(source.Preprocessing, null, batchSize: 5, batchesPerTurn: 1, turnsAhead: 2);
        var folder = Scan(first);
        var second = new ScanExtraction(source.Preprocessing, null, batchSize: 5, batchesPerTurn: 1, turnsAhead: 2);
        Scan(second);

        Assert.Equal(folder.Samples.DistinctBy(s => s.ContentHash).Count(), first.Computed);
        Assert.Equal(0, second.Computed); // the images put aside before the cache opened were found cached, as were the rest
    }

    [Theory]
    [InlineData(Precision.Fp32, 1e-6)]
    [InlineData(Precision.Bf16, 1e-2)]
    public void ScanExtraction_WritesTheRowsTheExtractionWouldCompute(Precision precision, double tolerance)
    {
        // Given the tiny source and two caches: one filled during the scan, one by the usual extraction
        using var source = SourceModel.Load("resnet50", new SourceModelOptions { WeightsPath = _run.Weights, WidthDivisor = 16, Precision = precision });
        string pool5 = source.Resolve("pool5").Tensor;
        string scratch = Path.Combine(_run.CacheFolder, "scratch");
        var scanned = new FeatureCache(source, null, pool5, Path.Combine(_run.CacheFolder, "scanned"));
        var extracted = new FeatureCache(source, null, pool5, Path.Combine(_run.CacheFolder, "extracted"));
        var scan = new ScanExtraction(source.Preprocessing, null, batchSize: 5, batchesPerTurn: 2, turnsAhead: 2);
        var folder = scan.Run((decoded, cancel) => ImageFolder.Scan(_run.Data, new ImageFolderOptions { Decoded = decoded, Cancel = cancel }), () => scanned);
        Assert.Equal(folder.Samples.DistinctBy(s => s.ContentHash).Count(), scan.Computed);

        // Then the scan's rows are all there (nothing left to compute) and equal the extraction's
        Assert.Equal(folder.Samples.Count, scanned.CachedCount(folder.Samples));
        using var fromScan = scanned.Load(folder.Samples, null, scratch);
        using var fromFiles = extracted.Load(folder.Samples, null, scratch);
        int[] all = [.. Enumerable.Range(0, folder.Samples.Count)];
        using var a = fromScan.Gather(all);
        using var b = fromFiles.Gather(all);
        TensorAssert.WithinScale(b.data<float>().ToArray(), a.data<float>().ToArray(), tolerance, $"{precision} rows");
    }

    [Fact]
    public void Devices_CudaOnTheCpuBuild_SaysHowToGetACudaBuild()
    {
        TorchNative.EnsureLoaded();
        if (cuda.is_available())
        {
            return; // a CUDA build: nothing to refuse
        }

        var error = Assert.Throws<TenniException>(() => Devices.Check("cuda"));
        Assert.Contains("TorchSharp-cuda", error.Message);
        Assert.Contains("--device cpu", error.Message);
        Assert.Contains("expected cpu or cuda", Assert.Throws<TenniException>(() => Devices.Check("tpu")).Message);
        Assert.Equal("cpu", Devices.Check("CPU"));
    }

    public void Dispose()
    {
        Directory.Delete(Path.GetDirectoryName(_run.Folder)!, recursive: true);
        Directory.Delete(_run.Data, recursive: true);
    }
}
