using System.IO.Compression;
using System.Numerics;
using System.Text;
using Tenni.IO.Weights;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.WeightFileWriter;

namespace Tenni.Tests.Hardening;

/// <summary>Weight files that are small on disk and would be huge in memory, and odd but legal ones.</summary>
public sealed class WeightFileHostileInputTests
{
    // Far below what any of these files would cost if its claims were believed (gigabytes).
    private const long MostBytes = 32L << 20;

    [Fact]
    public void ReadArrays_StrideZeroTensorOfHalfABillionElements_RefusedBeforeAllocating()
    {
        // Given a .pth whose one tensor is a stride-0 view: 5e8 elements over a storage of one float
        string path = Temp("stride0.pth");
        var storage = Storage.Of("0", [1f]);
        WriteTorchZipPickle(path, new OrderedDict([("w", new WeightFileWriter.Tensor(storage, 0, [500_000_000], [0]))], Metadata: true));

        // When it is read
        var e = Bounded(() => Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path)));

        // Then it is refused with what is wrong, having allocated next to nothing
        Assert.Contains("storage holds 1", e.Message);
    }

    [Fact]
    public void ReadArrays_PickleThatInflatesPastTheLimit_RefusedWithoutInflatingIt()
    {
        // Given a .pth whose data.pkl is 80 MiB of one opcode, deflated to a few hundred KB
        string path = Temp("bomb.pth");
        using (var archive = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            using var pickle = archive.CreateEntry("archive/data.pkl", CompressionLevel.Fastest).Open();
            pickle.Write([0x80, 2]);
            var chunk = Enumerable.Repeat((byte)'N', 1 << 20).ToArray();
            for (int i = 0; i < 80; i++)
            {
                pickle.Write(chunk);
            }
        }

        var e = Bounded(() => Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path)));

        Assert.Contains($"at most {WeightLimits.MaxPickleBytes}", e.Message);
    }

    [Theory]
    [InlineData((byte)'N')]
    [InlineData((byte)'(')]
    public void ReadArrays_PickleOfMillionsOfOneByteObjects_RefusedAtTheObjectLimit(byte opcode)
    {
        // 3 MB of NONE (or MARK) opcodes, each pushing one object (or mark): small in bytes, large in live objects
        var bytes = new List<byte> { 0x80, 2 };
        bytes.AddRange(Enumerable.Repeat(opcode, 3 << 20));
        string path = Temp("objects.pth");
        using (var archive = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            using var pickle = archive.CreateEntry("archive/data.pkl", CompressionLevel.Fastest).Open();
            pickle.Write(bytes.ToArray());
        }

        var e = Bounded(() => Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path)));

        Assert.Contains($"more than {WeightLimits.MaxPickleObjects} objects", e.Message);
    }

    [Fact]
    public void ReadArrays_NpzMemberOfManyZeros_ReadsOnlyItsHeaderUntilValuesAreAskedFor()
    {
        // Given an .npz whose one member is 200 MB of zeros (about 200 KB deflated)
        string path = Temp("zeros.npz");
        using (var archive = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            using var member = archive.CreateEntry("conv1_1/W.npy", CompressionLevel.Fastest).Open();
            string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (50000000,), }";
            string header = dict.PadRight(64 - 11) + "\n";
            member.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0]);
            member.Write(Encoding.ASCII.GetBytes(header));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 200_000_000 / zeros.Length; i++)
            {
                member.Write(zeros);
            }

            member.Write(zeros.AsSpan(0, 200_000_000 % zeros.Length));
        }

        // When it is read
        using var arrays = Bounded(() => WeightFiles.ReadArrays(path));

        // Then its shape is known and checkable before a byte of its data is inflated
        Assert.Equal([50_000_000L], arrays["conv1_1/W"].Shape);
    }

    [Fact]
    public void ReadArrays_ZipMemberDeclaringMoreThanDeflateCanProduce_IsDamaged()
    {
        // Given an .npz whose member's declared uncompressed size (central directory) is raised to 2 GB
        string path = Temp("liar.npz");
        WriteNpz(path, [("w", [2], [1f, 2f])]);
        byte[] bytes = File.ReadAllBytes(path);
        int central = LastIndexOf(bytes, [(byte)'P', (byte)'K', 1, 2]);
        BitConverter.GetBytes(2_000_000_000u).CopyTo(bytes, central + 24);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.StartsWith($"'{path}' is truncated or damaged (", e.Message);
    }

    [Fact]
    public void ReadArrays_SafetensorsEntryWithoutDType_SaysWhatIsMissingAndWhatIsValid()
    {
        string path = Temp("nodtype.safetensors");
        WriteSafetensorsHeader(path, "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4);

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.Contains("tensor 'w' has no value for dtype; expected one of F64", e.Message);
    }

    [Theory]
    [InlineData("{\"w\":7}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"__metadata__\":[1],\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    public void ReadArrays_SafetensorsHeaderOfTheWrongKinds_IsDamaged(string json)
    {
        string path = Temp("odd.safetensors");
        WriteSafetensorsHeader(path, json, 4);

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.StartsWith($"'{path}' is truncated or damaged (", e.Message);
    }

    [Fact]
    public void ReadArrays_PickledIntsBeyond32And64Bits_AreLegalValues()
    {
        // Given a checkpoint holding, beside its tensor, a step count of 3e9 (LONG1) and an int of 2^70
        string path = Temp("ints.pth");
        var storage = Storage.Of("0", [1f, 2f]);
        WriteTorchZipPickle(path, new Dict(
        [
            ("state_dict", new OrderedDict([("w", WeightFileWriter.Tensor.Whole(storage, [2]))])),
            ("step", 3_000_000_000L),
            ("seed", BigInteger.Pow(2, 70)),
            ("negative", -5_000_000_000L),
        ]));

        var arrays = WeightFiles.ReadArrays(path);

        Assert.Equal([1f, 2f], arrays["w"].Values!);
    }

    [Fact]
    public void ReadArrays_SizeBeyond64Bits_IsDamagedAndSaysOutOfRange()
    {
        // Given a tensor rebuilt with a size of 2^70: a legal int, but not a size
        string path = Temp("huge.pth");
        var storage = Storage.Of("0", [1f, 2f]);
        var rebuild = new Call("torch._utils", "_rebuild_tensor_v2", storage, 0L, new object?[] { BigInteger.Pow(2, 70) }, new object?[] { 1L }, false, new OrderedDict([]));
        WriteTorchZipPickle(path, new OrderedDict([("w", rebuild)], Metadata: true));

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.Contains("outside the 64-bit range", e.Message);
    }

    private static T Bounded<T>(Func<T> read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        T result = read();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < MostBytes, $"allocated {allocated} bytes");
        return result;
    }

    private static void WriteSafetensorsHeader(string path, string json, int dataBytes)
    {
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((long)json.Length));
        file.Write(Encoding.UTF8.GetBytes(json));
        file.Write(new byte[dataBytes]);
    }

    private static int LastIndexOf(byte[] bytes, byte[] pattern) => bytes.AsSpan().LastIndexOf(pattern);

    private static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("tenni-hostile").FullName, name);
}
