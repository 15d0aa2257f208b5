using System.Diagnostics;
using Tenni.IO.Weights;
using Tenni.Onnx;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.WeightFileWriter;
using static TorchSharp.torch;

namespace Tenni.Tests.Hardening;

/// <summary>
/// Each reader fed a valid tiny file cut at many offsets and with single bytes flipped at many seeded
/// positions: every case must load or fail with <see cref="TenniException"/>, quickly and without
/// allocating much more than the file holds.
/// </summary>
// The ONNX case runs graphs with torch.
[Collection(TorchCollection.Name)]
public sealed class WeightReaderFuzzTests
{
    // A tiny file's case that takes longer than this is hanging, not reading (generous for a loaded CI machine).
    private static readonly TimeSpan CaseTime = TimeSpan.FromSeconds(2);

    // A few hundred bytes of input may cost some buffers (zip, protobuf, torch), never this much.
    private const long CaseBytes = 32L << 20;

    public enum Reader
    {
        Onnx,
        TorchZip,
        TorchTar,
        TorchLegacy,
        Safetensors,
        Npz,
    }

    public static TheoryData<Reader> Readers => new(Enum.GetValues<Reader>());

    [Theory]
    [MemberData(nameof(Readers))]
    public void Load_TruncatedAtSampledOffsets_LoadsOrFailsWithTenniException(Reader reader)
    {
        // Given a valid file of the reader's format
        byte[] valid = ValidFile(reader);
        var random = new Random(12);

        // When it is cut at 40 offsets (the first bytes, then spread over the whole file)
        var offsets = Enumerable.Range(0, 8).Concat(Enumerable.Range(0, 32).Select(_ => random.Next(valid.Length))).Distinct();

        // Then each cut loads or fails with TenniException, in bounded time and memory
        foreach (int length in offsets)
        {
            AssertBounded(reader, valid[..length], $"cut at {length} of {valid.Length}");
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Load_SingleByteFlippedAtSampledPositions_LoadsOrFailsWithTenniException(Reader reader)
    {
        byte[] valid = ValidFile(reader);
        var random = new Random(34 + (int)reader);

        for (int i = 0; i < 60; i++)
        {
            byte[] damaged = (byte[])valid.Clone();
            int position = random.Next(valid.Length);
            damaged[position] ^= (byte)random.Next(1, 256);
            AssertBounded(reader, damaged, $"byte {position} of {valid.Length} flipped to 0x{damaged[position]:x2}");
        }
    }

    private static void AssertBounded(Reader reader, byte[] bytes, string what)
    {
        string folder = Directory.CreateTempSubdirectory("tenni-fuzz").FullName;
        string path = Path.Combine(folder, "case.bin");
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        try
        {
            Load(reader, path);
        }
        catch (TenniException)
        {
            // A refusal with Tenni's own message is one of the two allowed outcomes.
        }
        catch (Exception e)
        {
            Assert.Fail($"{reader}, {what}: {e.GetType().Name}: {e.Message} {e.StackTrace}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true); // 600 cases a run: none left behind
        }

        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(clock.Elapsed < CaseTime, $"{reader}, {what}: took {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.True(allocated < CaseBytes, $"{reader}, {what}: allocated {allocated} bytes");
    }

    // Everything a user's load does: detect, read the arrays and their values; for ONNX, build and run the graph.
    private static void Load(Reader reader, string path)
    {
        if (reader == Reader.Onnx)
        {
            using var scope = NewDisposeScope();
            using var graph = OnnxGraph.Load(path);
            graph.eval();
            using var noGrad = no_grad();
            graph.Run(zeros(1, 1, 4, 4), [graph.OutputNames[0]]);
            return;
        }

        foreach (var array in WeightFiles.ReadArrays(path).Values)
        {
            _ = array.Values;
        }
    }

    private static byte[] ValidFile(Reader reader)
    {
        List<(string Name, long[] Shape, float[] Values)> arrays =
        [
            ("conv.weight", [2, 1, 3, 3], Enumerable.Range(0, 18).Select(i => i * 0.1f).ToArray()),
            ("conv.bias", [2], [0.5f, -0.5f]),
        ];
        string folder = Directory.CreateTempSubdirectory("tenni-fuzz").FullName;
        string path = Path.Combine(folder, "valid.bin");
        switch (reader)
        {
            case Reader.Onnx: File.WriteAllBytes(path, TinyOnnx(arrays)); break;
            case Reader.TorchZip: WriteTorchZip(path, arrays); break;
            case Reader.TorchTar: WriteTorchTar(path, arrays); break;
            case Reader.TorchLegacy: WriteTorchLegacy(path, arrays); break;
            case Reader.Safetensors: WriteSafetensors(path, arrays); break;
            case Reader.Npz: WriteNpz(path, arrays); break;
        }

        try
        {
            // The fuzz cases start from a file that loads.
            Load(reader, path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // Conv → Relu → Pad (pads from an initializer) → Reshape: attributes, initializers and shape inputs to damage.
    private static byte[] TinyOnnx(List<(string Name, long[] Shape, float[] Values)> arrays) =>
        new OnnxGraphBuilder(13, "x", 1, 1, 4, 4)
            .Initializer("w", arrays[0].Values, arrays[0].Shape)
            .Initializer("b", arrays[1].Values, arrays[1].Shape)
            .Initializer("pads", [0L, 0, 1, 1, 0, 0, 1, 1], 8)
            .Initializer("shape", [1L, -1], 2)
            .Node("Conv", ["x", "w", "b"], ["c"], "conv", OnnxGraphBuilder.Ints("kernel_shape", 3, 3), OnnxGraphBuilder.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c"], ["r"])
            .Node("Pad", ["r", "pads"], ["p"])
            .Node("Reshape", ["p", "shape"], ["y"])
            .Output("y")
            .Bytes();
}
