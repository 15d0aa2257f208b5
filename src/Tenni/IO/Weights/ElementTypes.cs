using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Tenni.IO.Weights;

/// <summary>
/// Element types by their safetensors names — the one vocabulary <see cref="WeightArray.DType"/> uses for
/// every format — and reading raw element data from a stream into float32.
/// </summary>
internal static class ElementTypes
{
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2,
        ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1,
        ["U64"] = 8, ["U32"] = 4, ["U16"] = 2, ["U8"] = 1, ["BOOL"] = 1,
    };

    // Reading in pieces keeps byte spans under int.MaxValue and the conversion buffer small.
    private const int ChunkElements = 1 << 24;

    public static IEnumerable<string> Names => Sizes.Keys;

    public static bool TryGetSize(string dtype, out int size) => Sizes.TryGetValue(dtype, out size);

    public static int Size(string dtype) =>
        Sizes.TryGetValue(dtype, out int size) ? size : throw new FormatException($"unknown dtype '{dtype}'");

    public static bool IsFloating(string dtype) => dtype is "F64" or "F32" or "F16" or "BF16";

    /// <summary>Reads <paramref name="count"/> elements of a floating dtype straight into a new float32 array.</summary>
    public static float[] ReadFloats(Stream stream, string dtype, long count, bool bigEndian)
    {
        if (count > Array.MaxLength)
        {
            throw new FormatException($"an array of {count} elements is larger than .NET arrays allow");
        }

        // A damaged count must fail before it allocates, not after.
        if (count < 0)
        {
            throw new FormatException($"negative element count {count}");
        }

        long bytes = count * Size(dtype);
        if (stream.CanSeek && bytes > stream.Length - stream.Position)
        {
            throw new EndOfStreamException($"{bytes} bytes needed, {stream.Length - stream.Position} left");
        }

        var values = new float[count];
        if (dtype == "F32")
        {
            for (int start = 0; start < values.Length; start += ChunkElements)
            {
                Span<float> chunk = values.AsSpan(start, Math.Min(ChunkElements, values.Length - start));
                stream.ReadExactly(MemoryMarshal.AsBytes(chunk));
                if (bigEndian)
                {
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(chunk), MemoryMarshal.Cast<float, int>(chunk));
                }
            }

            return values;
        }

        int size = Size(dtype);
        var buffer = new byte[Math.Min(values.Length, 1 << 20) * size];
        for (int start = 0; start < values.Length; start += buffer.Length / size)
        {
            int n = Math.Min(buffer.Length / size, values.Length - start);
            Span<byte> raw = buffer.AsSpan(0, n * size);
            stream.ReadExactly(raw);
            Convert(raw, dtype, bigEndian, values.AsSpan(start, n));
        }

        return values;
    }

    /// <summary>Moves past <paramref name="bytes"/> bytes, failing like a read would if the stream ends first.</summary>
    public static void Skip(Stream stream, long bytes)
    {
        if (bytes < 0)
        {
            throw new FormatException($"negative byte count {bytes}");
        }

        if (stream.CanSeek)
        {
            if (bytes > stream.Length - stream.Position)
            {
                throw new EndOfStreamException($"{bytes} bytes needed, {stream.Length - stream.Position} left");
            }

            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }

        var buffer = new byte[(int)Math.Min(bytes, 1 << 16)];
        for (long left = bytes; left > 0; left -= buffer.Length)
        {
            stream.ReadExactly(buffer.AsSpan(0, (int)Math.Min(left, buffer.Length)));
        }
    }

    private static void Convert(ReadOnlySpan<byte> raw, string dtype, bool bigEndian, Span<float> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            output[i] = dtype switch
            {
                "F16" => (float)(bigEndian ? BinaryPrimitives.ReadHalfBigEndian(raw[(2 * i)..]) : BinaryPrimitives.ReadHalfLittleEndian(raw[(2 * i)..])),
                // bfloat16 is the top half of a float32's bits.
                "BF16" => BitConverter.Int32BitsToSingle((bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(raw[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..])) << 16),
                "F64" => (float)(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(raw[(8 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..])),
                _ => throw new FormatException($"dtype '{dtype}' is not a floating type"),
            };
        }
    }
}
