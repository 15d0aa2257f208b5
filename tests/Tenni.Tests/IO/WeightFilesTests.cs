using System.IO.Compression;
using Tenni.IO;
using Tenni.IO.Weights;
using Tenni.Tests.Support;
using static Tenni.Tests.Support.WeightFileWriter;

namespace Tenni.Tests.IO;

// One test reads back through TensorFile.Load, which makes torch tensors.
[Collection(TorchCollection.Name)]
public sealed class WeightFilesTests
{
    private const string Refusal = "Tenni reads tensors only — save the state_dict (torch.save(model.state_dict(), path))";
    private const string Expected = "expected an ONNX model, a PyTorch checkpoint (.pth), a .safetensors file or a Chainer .npz";

    public enum Kind
    {
        Npz,
        NpzStored,
        TorchZip,
        TorchLegacy,
        TorchLegacyPython2,
        TorchTar,
        Safetensors,
    }

    [Theory]
    [InlineData(Kind.Npz, nameof(WeightFormat.NumpyNpz))]
    [InlineData(Kind.NpzStored, nameof(WeightFormat.NumpyNpz))]
    [InlineData(Kind.TorchZip, nameof(WeightFormat.TorchZip))]
    [InlineData(Kind.TorchLegacy, nameof(WeightFormat.TorchLegacy))]
    [InlineData(Kind.TorchLegacyPython2, nameof(WeightFormat.TorchLegacy))]
    [InlineData(Kind.TorchTar, nameof(WeightFormat.TorchTar))]
    [InlineData(Kind.Safetensors, nameof(WeightFormat.Safetensors))]
    public void ReadArrays_EachFormat_RoundTripsNamesShapesAndValuesBitExact(Kind kind, string format)
    {
        // Given a file holding a conv weight, a bias, a 1-element and a scalar array
        var arrays = SampleArrays(seed: 1);
        string path = Write(kind, arrays, Temp("weights.bin"));

        // When it is read
        var read = WeightFiles.ReadArrays(path);

        // Then the format is recognized and every array comes back exactly, in order
        Assert.Equal(Enum.Parse<WeightFormat>(format), WeightFiles.Detect(path));
        AssertArrays(arrays, read);
    }

    [Theory]
    [InlineData(Kind.Npz)]
    [InlineData(Kind.TorchZip)]
    [InlineData(Kind.Safetensors)]
    public void ReadArrays_Int64Scalars_ComeBackWithoutValues(Kind kind)
    {
        string path = Temp("bn.bin");
        var arrays = SampleArrays(seed: 2);
        (string, long)[] scalars = [("bn1.num_batches_tracked", 12345)];
        switch (kind)
        {
            case Kind.Npz: WriteNpz(path, arrays, int64Scalars: scalars); break;
            case Kind.TorchZip: WriteTorchZip(path, arrays, int64Scalars: scalars); break;
            default: WriteSafetensors(path, arrays, int64Scalars: scalars); break;
        }

        var read = WeightFiles.ReadArrays(path);

        var scalar = read["bn1.num_batches_tracked"];
        Assert.Equal("I64", scalar.DType);
        Assert.Empty(scalar.Shape);
        Assert.Null(scalar.Values);
        AssertArrays(arrays, read.Where(kv => kv.Value.Values is not null).ToDictionary());
    }

    [Fact]
    public void ReadArrays_ChainerNpz_KeysAreMemberNamesWithoutNpy()
    {
        string path = Temp("vgg16.npz");
        WriteNpz(path, [("conv1_1/W", [2, 1, 1, 1], [1f, 2f]), ("conv1_1/b", [2], [3f, 4f])], int64Scalars: [("bn1/N", 7)]);

        var read = WeightFiles.ReadArrays(path);

        Assert.Equal(["conv1_1/W", "conv1_1/b", "bn1/N"], read.Keys);
        Assert.Equal([3f, 4f], read["conv1_1/b"].Values!);
    }

    [Fact]
    public void ReadArrays_NpyInFortranOrder_ReturnsCOrder()
    {
        float[] values = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        string path = Temp("f.npz");
        WriteNpz(path, [("w", [2, 3, 4], values)], fortranOrder: true);

        var read = WeightFiles.ReadArrays(path);

        Assert.Equal(values, read["w"].Values!);
    }

    [Theory]
    [InlineData("F16", 1e-3)] // half precision: 11 significant bits, |values| < 2 → error ≤ 2^-11·2
    [InlineData("BF16", 8e-3)] // bfloat16: 8 significant bits → error ≤ 2^-8·2
    [InlineData("F64", 0.0)] // a float32 widened to float64 narrows back exactly
    public void ReadArrays_SafetensorsOtherFloatDTypes_ConvertsToFloat32WithinPrecision(string dtype, double atol)
    {
        var arrays = SampleArrays(seed: 3);
        string path = Temp("model.safetensors");
        WriteSafetensors(path, arrays, dtype);

        var read = WeightFiles.ReadArrays(path);

        foreach (var (name, shape, values) in arrays)
        {
            Assert.Equal(dtype, read[name].DType);
            Assert.Equal(shape, read[name].Shape);
            TensorAssert.AllClose(values, read[name].Values!, atol);
        }
    }

    [Fact]
    public void ReadArrays_TorchZip_AnyArchiveFolderName()
    {
        var arrays = SampleArrays(seed: 4);
        string path = Temp("resnet18-f37072fd.pth");
        WriteTorchZip(path, arrays, archiveName: "resnet18-f37072fd");

        AssertArrays(arrays, WeightFiles.ReadArrays(path));
    }

    [Fact]
    public void ReadArrays_TorchLegacyWithManyTensors_FollowsTheSortedStorageKeys()
    {
        // Given 40 tensors: keys "0".."39" are stored in string order ("10" before "2"), and the memo passes 256 (LONG_BINPUT)
        var random = new Random(5);
        var arrays = Enumerable.Range(0, 40).Select(i => ($"features.{i}.weight", new long[] { 2, 3 }, Enumerable.Range(0, 6).Select(_ => random.NextSingle()).ToArray())).ToList();
        string path = Temp("vgg.pth");
        WriteTorchLegacy(path, arrays);

        AssertArrays(arrays, WeightFiles.ReadArrays(path));
    }

    [Fact]
    public void ReadArrays_TorchLegacyFromTorch03_RebuildTensorWithoutMetadata()
    {
        // torchvision's vgg16-397923af.pth predates _rebuild_tensor_v2 and the state dict's _metadata.
        float[] weight = [1, 2, 3, 4, 5, 6];
        var root = new OrderedDict([
            ("features.0.weight", new Tensor(Storage.Of("94", weight), 0, [2, 3], [3, 1], Rebuild: "_rebuild_tensor")),
            ("features.0.bias", new Tensor(Storage.Of("95", [7, 8]), 0, [2], [1], Rebuild: "_rebuild_tensor")),
        ]);
        string path = Temp("vgg16-397923af.pth");
        WriteTorchLegacyPickle(path, root);

        var read = WeightFiles.ReadArrays(path);

        Assert.Equal(WeightFormat.TorchLegacy, WeightFiles.Detect(path));
        Assert.Equal(weight, read["features.0.weight"].Values!);
        Assert.Equal([7f, 8f], read["features.0.bias"].Values!);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadArrays_TensorsAreStridedViewsOfOneStorage_GathersEachViewWithoutAliasing(bool legacy)
    {
        // Given one storage 0..11 seen whole, as a transposed 3×2 view from offset 1, and as a scalar at 5
        float[] storageValues = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        var storage = Storage.Of("0", storageValues);
        var root = new OrderedDict([
            ("whole", Tensor.Whole(storage, [3, 4])),
            ("view", new Tensor(storage, 1, [3, 2], [1, 4])),
            ("scalar", new Tensor(storage, 5, [], [])),
        ], Metadata: true);
        string path = Temp("views.pth");
        if (legacy)
        {
            WriteTorchLegacyPickle(path, root);
        }
        else
        {
            WriteTorchZipPickle(path, root);
        }

        // When it is read
        var read = WeightFiles.ReadArrays(path);

        // Then each view holds its own elements, in C order
        Assert.Equal(storageValues, read["whole"].Values!);
        Assert.Equal([1f, 5f, 2f, 6f, 3f, 7f], read["view"].Values!);
        Assert.Equal([3L, 2], read["view"].Shape);
        Assert.Equal([5f], read["scalar"].Values!);
        Assert.NotSame(read["whole"].Values, read["view"].Values!);
    }

    [Fact]
    public void ReadArrays_TorchLegacyStorageView_AddsTheViewOffset()
    {
        // Given a pre-0.4 file whose tensor sits on a view starting 4 elements into its root storage
        var storage = Storage.Of("140", Enumerable.Range(0, 12).Select(i => (float)i).ToArray());
        var root = new OrderedDict([("w", new Tensor(storage, 1, [2], [2], Rebuild: "_rebuild_tensor", StorageView: ("141", 4, 6)))]);
        string path = Temp("old.pth");
        WriteTorchLegacyPickle(path, root);

        var read = WeightFiles.ReadArrays(path);

        // Then the tensor's elements are root[4 + 1] and root[4 + 1 + 2]
        Assert.Equal([5f, 7f], read["w"].Values!);
    }

    [Fact]
    public void ReadArrays_TensorReachingPastItsStorage_IsDamaged()
    {
        var root = new OrderedDict([("w", new Tensor(Storage.Of("0", [1f, 2f, 3f, 4f]), 2, [2, 2], [2, 1]))]);
        string path = Temp("bad.pth");
        WriteTorchZipPickle(path, root);

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.Equal($"'{path}' is truncated or damaged (tensor 'w' reaches element 5 of a storage of 4)", e.Message);
    }

    [Theory]
    [InlineData("state_dict")]
    [InlineData("model")]
    public void ReadArrays_CheckpointWrappingTheStateDict_ReturnsTheInnerTensors(string key)
    {
        // Given a training checkpoint: the state dict next to an epoch, a name and optimizer tensors
        var arrays = SampleArrays(seed: 6);
        var optimizer = new Dict([("momentum", Tensor.Whole(Storage.Of("99", [9f, 9f]), [2]))]);
        var root = new Dict([("epoch", 90L), ("arch", "vgg16"), (key, StateDict(arrays, null)), ("optimizer", optimizer)]);
        string path = Temp("checkpoint.pth.tar");
        WriteTorchZipPickle(path, root);

        var read = WeightFiles.ReadArrays(path);

        AssertArrays(arrays, read);
    }

    [Fact]
    public void ReadArrays_DictWithoutTensors_SaysWhereItLooked()
    {
        string path = Temp("empty.pth");
        WriteTorchZipPickle(path, new Dict([("epoch", 3L)]));

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("holds no tensors", e.Message);
    }

    [Theory]
    [InlineData(Kind.TorchZip, "model.npz", nameof(WeightFormat.TorchZip))]
    [InlineData(Kind.Npz, "model.pth", nameof(WeightFormat.NumpyNpz))]
    [InlineData(Kind.Safetensors, "model.onnx", nameof(WeightFormat.Safetensors))]
    [InlineData(Kind.TorchLegacy, "model.safetensors", nameof(WeightFormat.TorchLegacy))]
    public void Detect_MisleadingExtension_GoesByContent(Kind kind, string name, string format)
    {
        var arrays = SampleArrays(seed: 7);
        string path = Write(kind, arrays, Temp(name));

        Assert.Equal(Enum.Parse<WeightFormat>(format), WeightFiles.Detect(path));
        AssertArrays(arrays, WeightFiles.ReadArrays(path));
    }

    [Fact]
    public void Detect_OnnxModel_IsOnnxAndNotReadAsArrays()
    {
        string path = Temp("tiny.bin");
        File.WriteAllBytes(path, TinyOnnx());

        Assert.Equal(WeightFormat.Onnx, WeightFiles.Detect(path));
        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));
        Assert.Contains("ONNX", e.Message);
    }

    [Theory]
    [InlineData(Kind.Npz)]
    [InlineData(Kind.NpzStored)]
    [InlineData(Kind.TorchZip)]
    [InlineData(Kind.TorchLegacy)]
    [InlineData(Kind.TorchLegacyPython2)]
    [InlineData(Kind.TorchTar)]
    [InlineData(Kind.Safetensors)]
    public void ReadArrays_TruncatedFile_SaysTruncatedAndNamesIt(Kind kind)
    {
        // Given a file cut off two thirds of the way in
        string path = Write(kind, SampleArrays(seed: 8), Temp("cut.bin"));
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.StartsWith($"'{path}' is truncated or damaged (", e.Message);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void ReadArrays_TorchTarWithStorageViewsOrSavedFromGpu_ReadsEveryTensor(bool sharedStorage, bool cuda)
    {
        // Views: each tensor's storage starts at an offset into one root storage, which wins over the view's own copy.
        var arrays = SampleArrays(seed: 4);
        string path = Temp("views.pth");
        WriteTorchTar(path, arrays, sharedStorage, cuda);

        AssertArrays(arrays, WeightFiles.ReadArrays(path));
    }

    [Fact]
    public void Detect_TarWithADamagedHeader_SaysDamagedAndNamesIt()
    {
        // The first header's size field (bytes 124–135, octal) made unreadable.
        string path = Temp("damaged.pth");
        WriteTorchTar(path, SampleArrays(seed: 5));
        byte[] bytes = File.ReadAllBytes(path);
        "zzzzzzzzzzz"u8.CopyTo(bytes.AsSpan(124));
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.StartsWith($"'{path}' is truncated or damaged (", e.Message);
    }

    [Fact]
    public void Detect_TarThatIsNotACheckpoint_NamesItsMembersAndWhatACheckpointHolds()
    {
        string path = Temp("photos.tar");
        using (var tar = new System.Formats.Tar.TarWriter(File.Create(path), System.Formats.Tar.TarEntryFormat.Pax))
        {
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "cat.jpg") { DataStream = new MemoryStream([1, 2, 3]) });
        }

        var e = Assert.Throws<TenniException>(() => WeightFiles.Detect(path));

        Assert.Equal($"'{path}' is a tar archive but not a PyTorch checkpoint (members: cat.jpg; a checkpoint of torch before 0.1.10 holds pickle, tensors, storages); {Expected}", e.Message);
    }

    [Fact]
    public void Detect_TruncatedOnnx_SaysTruncatedAndNamesIt()
    {
        string path = Temp("cut.onnx");
        byte[] bytes = TinyOnnx();
        File.WriteAllBytes(path, bytes[..(bytes.Length - 5)]);

        var e = Assert.Throws<TenniException>(() => WeightFiles.Detect(path));

        Assert.StartsWith($"'{path}' is truncated or damaged (", e.Message);
    }

    [Theory]
    [InlineData("os", "system", "echo owned")]
    [InlineData("builtins", "eval", "__import__('os').system('echo owned')")]
    [InlineData("__builtin__", "eval", "1")]
    public void ReadArrays_PickleCallingPython_IsRefusedBeforeAnythingRuns(string module, string name, string argument)
    {
        // Given a checkpoint whose state dict holds a value made by calling module.name
        var root = new OrderedDict([("w", Tensor.Whole(Storage.Of("0", [1f]), [1])), ("x", new Call(module, name, argument))], Metadata: true);
        string zip = Temp("evil.pth");
        string legacy = Temp("evil-legacy.pth");
        WriteTorchZipPickle(zip, root);
        WriteTorchLegacyPickle(legacy, root);

        foreach (string path in new[] { zip, legacy })
        {
            var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

            Assert.Equal($"'{path}' asks to run Python code ({module}.{name}); {Refusal}", e.Message);
        }
    }

    [Fact]
    public void ReadArrays_PickledModelClass_IsRefused()
    {
        // torch.save(model) pickles the module's class, which only Python can import
        string path = Temp("model.pth");
        WriteTorchZipPickle(path, new Call("torchvision.models.vgg", "VGG"));

        var e = Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(path));

        Assert.Contains("(torchvision.models.vgg.VGG)", e.Message);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("text")]
    [InlineData("zip")]
    [InlineData("npy")]
    public void Detect_UnknownContent_SaysWhatItIsAndWhatIsExpected(string content)
    {
        string path = Temp("weights.pth");
        switch (content)
        {
            case "random":
                var bytes = new byte[1000];
                new Random(9).NextBytes(bytes);
                bytes[0] = 0x42; // never a ModelProto field tag, so the verdict does not hang on the seed
                File.WriteAllBytes(path, bytes);
                break;
            case "text":
                File.WriteAllText(path, "<html><body>404 Not Found</body></html>");
                break;
            case "zip":
                using (var archive = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
                {
                    using var s = archive.CreateEntry("readme.txt").Open();
                    s.Write("hi"u8);
                }

                break;
            default:
                string npz = WriteSmallNpz(Temp("one.npz"));
                using (var archive = ZipFile.OpenRead(npz))
                {
                    archive.Entries[0].ExtractToFile(path, overwrite: true);
                }

                break;
        }

        var e = Assert.Throws<TenniException>(() => WeightFiles.Detect(path));

        Assert.StartsWith($"'{path}' ", e.Message);
        Assert.EndsWith(Expected, e.Message);
        if (content == "text")
        {
            Assert.Contains("(text starting \"<html><body>404 \")", e.Message);
        }
    }

    [Fact]
    public void Detect_MissingFolderOrEmpty_SaysSoAndWhatIsExpected()
    {
        string folder = Directory.CreateTempSubdirectory("tenni-weights").FullName;
        string missing = Path.Combine(folder, "nope.pth");
        string empty = Path.Combine(folder, "empty.pth");
        File.WriteAllBytes(empty, []);

        Assert.Equal($"weight file '{missing}' does not exist; {Expected}", Assert.Throws<TenniException>(() => WeightFiles.ReadArrays(missing)).Message);
        Assert.Equal($"weight file '{folder}' is a folder; {Expected}", Assert.Throws<TenniException>(() => WeightFiles.Detect(folder)).Message);
        Assert.Equal($"'{empty}' is empty; {Expected}", Assert.Throws<TenniException>(() => WeightFiles.Detect(empty)).Message);
    }

    [Fact]
    public async Task Detect_FifoOrDevice_RefusedWithoutOpening()
    {
        // Opening a FIFO blocks until a writer comes; /dev/zero never ends. Neither may be opened.
        string folder = Directory.CreateTempSubdirectory("tenni-weights").FullName;
        string fifo = Path.Combine(folder, "weights.pth");
        Tenni.Tests.Hardening.SpecialFiles.MakeFifo(fifo);

        string zero = Path.Combine(folder, "zero.onnx");
        File.CreateSymbolicLink(zero, "/dev/zero");

        string message = await Task.Run(() => Assert.Throws<TenniException>(() => WeightFiles.Detect(fifo)).Message).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("is a FIFO (named pipe), not a regular file", message);
        Assert.Contains("is a character device", Assert.Throws<TenniException>(() => Tenni.Onnx.OnnxModelFile.Load(zero)).Message);
    }

    [Fact]
    public void TensorFileLoad_AfterSharingTheSafetensorsParser_StillReadsF32AndRefusesOthers()
    {
        var arrays = SampleArrays(seed: 10);
        string f32 = Temp("a.safetensors");
        string f16 = Temp("b.safetensors");
        WriteSafetensors(f32, arrays);
        WriteSafetensors(f16, arrays, "F16");

        var (tensors, metadata) = TensorFile.Load(f32);

        Assert.Equal("pt", metadata["format"]);
        foreach (var (name, shape, values) in arrays)
        {
            using var t = tensors[name];
            Assert.Equal(shape, t.shape);
            Assert.Equal(values, t.data<float>().ToArray());
        }

        var e = Assert.Throws<TenniException>(() => TensorFile.Load(f16));
        Assert.Contains("expected F32", e.Message);
    }

    private static List<(string Name, long[] Shape, float[] Values)> SampleArrays(int seed)
    {
        var random = new Random(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (random.NextSingle() * 2) - 1).ToArray();
        return
        [
            ("features.0.weight", [4, 3, 3, 3], Values(108)),
            ("features.0.bias", [4], Values(4)),
            ("classifier.6.bias", [1], Values(1)),
            ("temperature", [], Values(1)),
        ];
    }

    private static string Write(Kind kind, List<(string Name, long[] Shape, float[] Values)> arrays, string path)
    {
        switch (kind)
        {
            case Kind.Npz: WriteNpz(path, arrays); break;
            case Kind.NpzStored: WriteNpz(path, arrays, compressed: false); break;
            case Kind.TorchZip: WriteTorchZip(path, arrays); break;
            case Kind.TorchLegacy: WriteTorchLegacy(path, arrays); break;
            case Kind.TorchLegacyPython2: WriteTorchLegacyPython2(path, arrays); break;
            case Kind.TorchTar: WriteTorchTar(path, arrays); break;
            case Kind.Safetensors: WriteSafetensors(path, arrays); break;
        }

        return path;
    }

    private static string WriteSmallNpz(string path)
    {
        WriteNpz(path, [("w", [2], [1f, 2f])]);
        return path;
    }

    private static void AssertArrays(List<(string Name, long[] Shape, float[] Values)> expected, IReadOnlyDictionary<string, WeightArray> actual)
    {
        Assert.Equal(expected.Select(a => a.Name), actual.Keys);
        foreach (var (name, shape, values) in expected)
        {
            Assert.Equal(name, actual[name].Name);
            Assert.Equal(shape, actual[name].Shape);
            Assert.Equal("F32", actual[name].DType);
            Assert.Equal(values, actual[name].Values!); // bit-exact: float32 stored and read as float32
        }
    }

    private static byte[] TinyOnnx() =>
        new OnnxGraphBuilder(13, "x", 1, 2)
            .Initializer("w", [1f, 2f], 2)
            .Node("Mul", ["x", "w"], ["y"])
            .Output("y")
            .Bytes();

    private static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("tenni-weights").FullName, name);
}
