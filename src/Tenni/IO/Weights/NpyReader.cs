using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Tenni.IO.Weights;

/// <summary>
/// Reads one NumPy <c>.npy</c> array (format 1.0, 2.0 or 3.0): the magic "\x93NUMPY", a version, a
/// header length, a Python dict literal with 'descr', 'fortran_order' and 'shape', then the raw data.
/// </summary>
internal static partial class NpyReader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static bool StartsWithMagic(ReadOnlySpan<byte> head) => head.StartsWith(Magic);

    /// <param name="length">The member's size in bytes, which the header and data must fit.</param>
    /// <param name="path">The containing file, for messages about what it holds.</param>
    public static WeightArray Read(Stream stream, string name, long length, string path)
    {
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        if (!StartsWithMagic(prefix))
        {
            throw new FormatException($"member '{name}' is not a .npy array");
        }

        int major = prefix[6];
        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        stream.ReadExactly(lengthBytes);
        long headerLength = major switch
        {
            1 => BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes),
            2 or 3 => BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes),
            _ => throw new FormatException($"member '{name}' is .npy format {major}.{prefix[7]}; known: 1.0, 2.0, 3.0"),
        };
        long dataStart = 8 + lengthBytes.Length + headerLength;
        if (dataStart > length)
        {
            throw new FormatException($"member '{name}' ends inside its header");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var match = HeaderPattern().Match(header);
        if (!match.Success)
        {
            throw new FormatException($"member '{name}' has an unreadable header {header.Trim()}");
        }

        string descr = match.Groups["descr"].Value;
        (string dtype, bool bigEndian) = DType(descr) ?? throw new TenniException(
            $"'{path}' holds '{name}' with NumPy dtype '{descr}'; Tenni reads float (f2, f4, f8), integer and bool arrays");
        long[] shape = match.Groups["shape"].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d.TrimEnd('L'), System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        long count = shape.Aggregate(1L, (p, d) => p * d);
        long bytes = count * ElementTypes.Size(dtype);
        if (length - dataStart < bytes)
        {
            throw new FormatException($"member '{name}' needs {bytes} bytes of data, has {length - dataStart}");
        }

        float[]? values = null;
        if (ElementTypes.IsFloating(dtype))
        {
            values = ElementTypes.ReadFloats(stream, dtype, count, bigEndian);
            if (match.Groups["fortran"].Value == "True" && shape.Length > 1)
            {
                // Column-major data is the C-order array seen through column-major strides.
                values = StridedView.Gather(values, 0, shape, StridedView.FortranStrides(shape));
            }
        }

        return new WeightArray(name, shape, values, dtype);
    }

    private static (string DType, bool BigEndian)? DType(string descr)
    {
        if (descr.Length < 3 || descr[0] is not ('<' or '>' or '|' or '='))
        {
            return null;
        }

        string? dtype = descr[1..] switch
        {
            "f2" => "F16", "f4" => "F32", "f8" => "F64",
            "i1" => "I8", "i2" => "I16", "i4" => "I32", "i8" => "I64",
            "u1" => "U8", "u2" => "U16", "u4" => "U32", "u8" => "U64",
            "b1" => "BOOL",
            _ => null,
        };
        return dtype is null ? null : (dtype, descr[0] == '>');
    }

    // numpy writes the keys sorted, but any order is valid Python, so each is found on its own.
    [GeneratedRegex(@"^\s*\{(?=.*'descr'\s*:\s*'(?<descr>[^']*)')(?=.*'fortran_order'\s*:\s*(?<fortran>True|False))(?=.*'shape'\s*:\s*\((?<shape>[^)]*)\)).*\}\s*$", RegexOptions.Singleline)]
    private static partial Regex HeaderPattern();
}
