using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Tenni.Tests.Support;
using Tenni.Training;
using W = Tenni.Tests.Support.WeightFileWriter;

namespace Tenni.Tests.Hardening;

/// <summary>
/// A folder of hostile inputs, built afresh for every test run: a data folder with special files, link
/// loops, decompression bombs and names made of control characters; weight files that are small on disk
/// and huge in memory; and a real trained run to tamper with. Nothing here is committed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileWorkspace : IDisposable
{
    public HostileWorkspace()
    {
        Root = Directory.CreateTempSubdirectory("tenni-hostile-").FullName;
        Data = TempDataset.Create(("cat", 6), ("dog", 6));
        Run = Path.Combine(Root, "run");
        TrainingRun.Train(Data, Run, new TrainOptions { Epochs = 1, BatchSize = 4, Seed = 3 }, new StringWriter());

        Hostile = Path.Combine(Root, "hostile-data");
        CopyTree(Data, Hostile);
        string cat = Path.Combine(Hostile, "cat");
        SpecialFiles.MakeFifo(Path.Combine(cat, "fifo.jpg"));
        File.CreateSymbolicLink(Path.Combine(cat, "zero.jpg"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(cat, "urandom.jpg"), "/dev/urandom");
        Directory.CreateSymbolicLink(Path.Combine(cat, "loop"), Hostile);
        Directory.CreateSymbolicLink(Path.Combine(cat, "self"), ".");
        File.CreateSymbolicLink(Path.Combine(cat, "dangling.jpg"), Path.Combine(Root, "nowhere.jpg"));
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(cat, "socket.jpg")));
        }

        using (var sparse = File.Create(Path.Combine(cat, "huge-sparse.jpg")))
        {
            sparse.SetLength(3L << 30); // 3 GiB of nothing on disk
        }

        Directory.CreateDirectory(Path.Combine(cat, "folder.jpg"));
        byte[] bomb = PngBomb(9400, 9400);
        for (int i = 0; i < 8; i++)
        {
            File.WriteAllBytes(Path.Combine(Hostile, "dog", $"bomb{i}.png"), bomb);
        }

        File.WriteAllBytes(Path.Combine(cat, "claims-65000.png"), PngHeaderOnly(65000, 65000));
        foreach (string name in ControlNames)
        {
            TempDataset.WriteImage(Path.Combine(cat, name), name.Length + 500);
        }

        WeightFiles = Path.Combine(Root, "weights");
        Directory.CreateDirectory(WeightFiles);
        WriteWeightFiles();
        InputManifest = Manifest();
    }

    /// <summary>Names a Linux file may have that break lines, fields or terminals.</summary>
    public static string[] ControlNames { get; } = ["new\nline.png", "tab\there.png", "\u001b[2J\u001b]0;owned\u0007.png", "comma,\"quote\".png", "cr\rreturn.png", "bidi\u202egnp.png"];

    public string Root { get; }

    /// <summary>A clean two-class folder of generated images.</summary>
    public string Data { get; }

    /// <summary>A run trained on <see cref="Data"/> (ResNet18, one epoch).</summary>
    public string Run { get; }

    /// <summary><see cref="Data"/> plus every hostile file.</summary>
    public string Hostile { get; }

    public string WeightFiles { get; }

    /// <summary>SHA-256 (or size and time for sparse giants) of every regular file a test may read.</summary>
    public IReadOnlyDictionary<string, string> InputManifest { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A socket or FIFO left behind in /tmp is harmless.
        }
    }

    /// <summary>A copy of the trained run with <paramref name="tamper"/> applied to it.</summary>
    public string TamperedRun(string name, Action<string> tamper)
    {
        string copy = Path.Combine(Root, "tampered-" + name);
        CopyTree(Run, copy);
        tamper(copy);
        return copy;
    }

    public Dictionary<string, string> Manifest()
    {
        var manifest = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string folder in new[] { Data, Hostile, Run, WeightFiles })
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                // Links are skipped (not followed: the data folder holds a loop), and so are FIFOs and devices.
                if (IsRegular(file))
                {
                    manifest[file.FullName] = file.Length > 64 << 20 ? $"{file.Length}:{file.LastWriteTimeUtc.Ticks}" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName)));
                }
            }
        }

        return manifest;
    }

    private static bool IsRegular(FileInfo file) =>
        Tenni.IO.FileStatus.Of(file.FullName, followLinks: false).Kind == Tenni.IO.FileKind.Regular;

    private void WriteWeightFiles()
    {
        string Path(string name) => System.IO.Path.Combine(WeightFiles, name);

        // A 500-million-element tensor that is one float on disk (stride 0).
        var one = W.Storage.Of("0", [1f]);
        W.WriteTorchZipPickle(Path("stride0.pth"), W.StateDict([], null) with
        {
            Items = [("conv1.weight", new W.Tensor(one, 0, [500_000_000], [0]))],
        });

        // A zip whose pickle inflates to 600 MB.
        using (var archive = new ZipArchive(File.Create(Path("zip-bomb.pth")), ZipArchiveMode.Create))
        {
            using var stream = archive.CreateEntry("archive/data.pkl", CompressionLevel.Fastest).Open();
            byte[] zeros = new byte[1 << 20];
            zeros[0] = 0x80;
            zeros[1] = 2;
            for (int i = 0; i < 600; i++)
            {
                stream.Write(zeros);
                zeros[0] = zeros[1] = 0;
            }
        }

        // npz members: one claiming two billion elements, one of 600 MB zeros behind a valid header.
        using (var archive = new ZipArchive(File.Create(Path("huge.npz")), ZipArchiveMode.Create))
        {
            WriteNpyMember(archive, "conv1_1/W.npy", "(2000000000,)", 0);
            WriteNpyMember(archive, "conv1_1/b.npy", "(150000000,)", 600 << 20);
        }

        // safetensors: no dtype; a header length of 2^62; offsets past the end.
        WriteSafetensors(Path("no-dtype.safetensors"), """{"conv1.weight":{"shape":[2],"data_offsets":[0,8]}}""", 8);
        File.WriteAllBytes(Path("header-2e62.safetensors"), [.. BitConverter.GetBytes(1L << 62), .. "{}"u8.ToArray()]);
        WriteSafetensors(Path("past-end.safetensors"), """{"conv1.weight":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}""", 16);

        // ONNX: an initializer of 2^40 elements without data; a Pad to a million; two nodes writing one tensor.
        var dims = new OnnxGraphBuilder(13, "x", 1, 3, 8, 8).Node("Add", ["x", "w"], ["y"]).Output("y").Build();
        var huge = new global::Onnx.TensorProto { Name = "w", DataType = 1 };
        huge.Dims.AddRange([1L << 40]);
        dims.Graph.Initializer.Add(huge);
        File.WriteAllBytes(Path("dims-2e40.onnx"), dims.ToByteArray());
        File.WriteAllBytes(Path("pad-million.onnx"), new OnnxGraphBuilder(13, "x", 1, 3, 8, 8)
            .Initializer("pads", [0L, 0, 1_000_000, 1_000_000, 0, 0, 1_000_000, 1_000_000], 8)
            .Node("Pad", ["x", "pads"], ["y"]).Output("y").Bytes());
        File.WriteAllBytes(Path("two-writers.onnx"), new OnnxGraphBuilder(13, "x", 1, 3, 8, 8)
            .Node("Relu", ["x"], ["y"]).Node("Sigmoid", ["x"], ["y"], "second").Output("y").Bytes());

        // The bundled ResNet18, truncated and with flipped bytes; plain garbage; special files.
        byte[] resnet = File.ReadAllBytes(Tenni.Models.KnownModels.ResNet18.LocateWeights());
        foreach (int length in new[] { 16, 4096, resnet.Length / 2, resnet.Length - 1 })
        {
            File.WriteAllBytes(Path($"resnet18-cut{length}.onnx"), resnet[..length]);
        }

        var random = new Random(5);
        byte[] flipped = (byte[])resnet.Clone();
        for (int i = 0; i < 16; i++)
        {
            flipped[random.Next(4096)] ^= (byte)(1 << random.Next(8)); // the graph, not the weights
        }

        File.WriteAllBytes(Path("resnet18-flipped.onnx"), flipped);
        File.WriteAllBytes(Path("garbage.bin"), RandomNumberGenerator.GetBytes(1 << 20));
        SpecialFiles.MakeFifo(Path("fifo.onnx"));
        File.CreateSymbolicLink(Path("zero.onnx"), "/dev/zero");
    }

    private static void WriteNpyMember(ZipArchive archive, string name, string shape, long dataBytes)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        header = header.PadRight(((header.Length + 11 + 63) / 64 * 64) - 11) + "\n";
        using var stream = archive.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write([0x93, .. "NUMPY"u8.ToArray(), 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        byte[] zeros = new byte[1 << 20];
        for (long written = 0; written < dataBytes; written += zeros.Length)
        {
            stream.Write(zeros);
        }
    }

    private static void WriteSafetensors(string path, string header, int dataBytes) =>
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)Encoding.UTF8.GetByteCount(header)), .. Encoding.UTF8.GetBytes(header), .. new byte[dataBytes]]);

    // A valid PNG of width × height black RGB pixels: a few hundred KB that decode to width·height·4 bytes.
    private static byte[] PngBomb(int width, int height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            byte[] row = new byte[1 + (width * 3)];
            for (int y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        return Png(width, height, idat.ToArray());
    }

    private static byte[] PngHeaderOnly(int width, int height) => Png(width, height, ZLibBytes(new byte[64]));

    private static byte[] ZLibBytes(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Png(int width, int height, byte[] idat)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", idat);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        byte[] length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typed);
        byte[] crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    // PNG's CRC-32 (ISO 3309), bit by bit: a few hundred KB once per test run.
    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (string folder in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories).Prepend(from))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, folder)));
        }

        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
