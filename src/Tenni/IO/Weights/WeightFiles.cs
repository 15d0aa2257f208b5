using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;

namespace Tenni.IO.Weights;

/// <summary>
/// Pretrained weight files, recognized by content (never by extension) and read as named arrays.
/// Reading runs no code: pickles are interpreted with an allow-list of the globals a state dict needs.
/// </summary>
internal static class WeightFiles
{
    private const string Expected = "expected an ONNX model, a PyTorch checkpoint (.pth), a .safetensors file or a Chainer .npz";

    private static readonly byte[] ZipLocalHeader = [(byte)'P', (byte)'K', 3, 4];
    private static readonly byte[] ZipEmptyArchive = [(byte)'P', (byte)'K', 5, 6];

    // The legacy format's first pickle: LONG1 of 10 bytes holding 0x1950a86a20f9469cfc6c, little-endian.
    private static readonly byte[] LegacyMagic = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    public static WeightFormat Detect(string path)
    {
        RegularFile.Require(path, "weight file", Expected);

        using var stream = Open(path);
        if (stream.Length == 0)
        {
            throw new TenniException($"'{path}' is empty; {Expected}");
        }

        var head = new byte[512];
        head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        if (head.AsSpan().StartsWith(ZipLocalHeader) || head.AsSpan().StartsWith(ZipEmptyArchive))
        {
            return DetectZip(path, stream);
        }

        if (IsLegacyTorch(head))
        {
            return WeightFormat.TorchLegacy;
        }

        if (IsTar(head))
        {
            return DetectTar(path, stream);
        }

        if (NpyReader.StartsWithMagic(head))
        {
            throw new TenniException($"'{path}' is a single NumPy array (.npy), not a set of named weights; {Expected}");
        }

        if (IsSafetensors(head))
        {
            return WeightFormat.Safetensors;
        }

        stream.Position = 0;
        switch (OnnxWire.Check(stream))
        {
            case OnnxWire.Verdict.Model:
                return WeightFormat.Onnx;
            case OnnxWire.Verdict.Truncated:
                throw Damaged(path, "an ONNX model whose protobuf ends inside a field", null);
        }

        string what = head[0] == 0x80 ? "a Python pickle that is not a PyTorch checkpoint" : Describe(head);
        throw new TenniException($"'{path}' is not a weight file Tenni can read ({what}); {Expected}");
    }

    /// <summary>
    /// Reads a weight file's names, shapes and dtypes, checked against the bytes present; each array's
    /// values are read when first asked for. Dispose the result to close what those reads keep open.
    /// </summary>
    public static WeightSet ReadArrays(string path)
    {
        WeightFormat format = Detect(path);
        try
        {
            var arrays = format switch
            {
                WeightFormat.TorchZip => TorchZipReader.Read(path),
                WeightFormat.TorchLegacy => TorchLegacyReader.Read(path),
                WeightFormat.TorchTar => TorchTarReader.Read(path),
                WeightFormat.Safetensors => SafetensorsReader.Read(path),
                WeightFormat.NumpyNpz => NpzReader.Read(path),
                _ => throw new TenniException($"'{path}' is an ONNX model; its weights are read by the ONNX importer, not as a weight file"),
            };

            // Values are read later, when asked for: their damage must read the same as damage found now.
            var guarded = new WeightSet();
            guarded.Adopt(arrays);
            foreach (var (name, array) in arrays)
            {
                guarded[name] = array.Guarded(load => Guard(path, load));
            }

            return guarded;
        }
        catch (Exception e) when (MeansDamaged(e))
        {
            throw Damaged(path, e.Message, e);
        }
    }

    private static float[] Guard(string path, Func<float[]> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (MeansDamaged(e) || e is IOException or UnauthorizedAccessException)
        {
            throw Damaged(path, e.Message, e);
        }
    }

    private static FileStream Open(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TenniException($"'{path}' cannot be read ({e.Message}); {Expected}", e);
        }
    }

    private static WeightFormat DetectZip(string path, FileStream stream)
    {
        List<string> members;
        try
        {
            stream.Position = 0;
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            members = archive.Entries.Select(e => e.FullName).Where(n => !n.EndsWith('/')).ToList();
        }
        catch (InvalidDataException e)
        {
            throw Damaged(path, $"zip archive: {e.Message}", e);
        }

        if (members.Any(TorchZipReader.IsStateDictPickle))
        {
            return WeightFormat.TorchZip;
        }

        if (members.Count > 0 && members.All(n => n.EndsWith(".npy", StringComparison.Ordinal)))
        {
            return WeightFormat.NumpyNpz;
        }

        string others = string.Join(", ", members.Where(n => !n.EndsWith(".npy", StringComparison.Ordinal)).Take(3));
        throw new TenniException(
            $"'{path}' is a zip archive but neither a PyTorch checkpoint (no FOLDER/data.pkl) nor a NumPy .npz (members other than .npy: {(others.Length > 0 ? others : "none, it is empty")}); {Expected}");
    }

    private static WeightFormat DetectTar(string path, FileStream stream)
    {
        List<string> members;
        try
        {
            stream.Position = 0;
            members = TorchTarReader.MemberNames(stream);
        }
        catch (Exception e) when (MeansDamaged(e))
        {
            throw Damaged(path, $"tar archive: {e.Message}", e);
        }

        return TorchTarReader.IsCheckpoint(members)
            ? WeightFormat.TorchTar
            : throw new TenniException(
                $"'{path}' is a tar archive but not a PyTorch checkpoint (members: {(members.Count > 0 ? string.Join(", ", members.Take(4)) : "none, it is empty")}; a checkpoint of torch before 0.1.10 holds {string.Join(", ", TorchTarReader.Members)}); {Expected}");
    }

    // POSIX and GNU tar headers carry "ustar" at byte 257.
    private static bool IsTar(ReadOnlySpan<byte> head) => head.Length >= 262 && head[257..262].SequenceEqual("ustar"u8);

    // PROTO n, an optional FRAME (protocol 4+), then the magic number.
    private static bool IsLegacyTorch(ReadOnlySpan<byte> head)
    {
        if (head.Length < 2 || head[0] != 0x80)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = head[2..];
        if (rest.Length > 9 && rest[0] == 0x95)
        {
            rest = rest[9..];
        }

        return rest.StartsWith(LegacyMagic);
    }

    // An 8-byte header length that could fit a JSON object, and the object's opening brace.
    private static bool IsSafetensors(ReadOnlySpan<byte> head) =>
        head.Length > 8 && BinaryPrimitives.ReadInt64LittleEndian(head) is > 1 and < (1L << 31) && head[8] == (byte)'{';

    private static string Describe(ReadOnlySpan<byte> head)
    {
        bool text = head.ToArray().All(b => b is (>= 0x20 and < 0x7f) or (byte)'\n' or (byte)'\r' or (byte)'\t');
        return text
            ? $"text starting \"{System.Text.Encoding.ASCII.GetString(head[..Math.Min(head.Length, 16)]).ReplaceLineEndings(" ")}\""
            : $"starts with bytes {Convert.ToHexString(head[..Math.Min(head.Length, 8)])}";
    }

    // InvalidOperationException and ArgumentException come from System.Text.Json nodes of the wrong kind, from
    // spans over damaged lengths and (with OverflowException and NotSupportedException) from .NET's tar reader
    // on damaged headers; all of these mean the bytes are not as declared.
    private static bool MeansDamaged(Exception e) =>
        e is FormatException or EndOfStreamException or InvalidDataException or JsonException or InvalidOperationException
            or OverflowException or ArgumentException or IndexOutOfRangeException or NotSupportedException;

    private static TenniException Damaged(string path, string detail, Exception? inner) =>
        inner is null
            ? new TenniException($"'{path}' is truncated or damaged ({detail})")
            : new TenniException($"'{path}' is truncated or damaged ({detail})", inner);
}
