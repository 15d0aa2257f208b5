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

    /// <summary>numpy itself refuses headers over 10,000 bytes (<c>max_header_size</c>); 64 KiB leaves room and bounds the read.</summary>
    public const int MaxHeaderBytes = 1 << 16;

    /// <summary>What a .npy header declares, checked against the member's size: the data is <see cref="DataStart"/> bytes in.</summary>
    public sealed record Header(string DType, bool BigEndian, long[] Shape, bool Fortran, long DataStart)
    {
        /// <summary>Reads the data of a member opened again at its first byte, as float32 in C order.</summary>
        public float[] ReadValues(Stream member)
        {
            ElementTypes.Skip(member, DataStart);
            float[] values = ElementTypes.ReadFloats(member, DType, StridedView.Count(Shape), BigEndian);

            // Column-major data is the C-order array seen through column-major strides.
            return Fortran ? StridedView.Gather(values, 0, Shape, StridedView.FortranStrides(Shape)) : values;
        }
    }

    /// <summary>Reads a member's header and checks its shape against the member's declared size; reads no data.</summary>
    /// <param name="length">The member's size in bytes, which the header and data must fit.</param>
    /// <param name="path">The containing file, for messages about what it holds.</param>
    public static Header ReadHeader(Stream stream, string name, long length, string path)
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
        if (dataStart > length || headerLength > MaxHeaderBytes)
        {
            throw new FormatException($"member '{name}' declares a header of {headerLength} bytes; it must fit the member's {length} bytes and {MaxHeaderBytes}");
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
        long count = StridedView.Count(shape);
        int size = ElementTypes.Size(dtype);
        if (count > (length - dataStart) / size)
        {
            throw new FormatException($"member '{name}' of shape ({string.Join(", ", shape)}) needs {count} × {size} bytes of data, has {length - dataStart}");
        }

        return new Header(dtype, bigEndian, shape, match.Groups["fortran"].Value == "True" && shape.Length > 1, dataStart);
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
