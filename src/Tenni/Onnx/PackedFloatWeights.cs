using Google.Protobuf;
using Onnx;

namespace Tenni.Onnx;

/// <summary>
/// Parses an ONNX file whose weights are stored as packed <c>float_data</c> (ML.NET's ResNet18, many
/// converters) without Google.Protobuf reading them value by value: the weights' bytes are cut out of the
/// message before parsing and handed back afterwards as <c>raw_data</c> views of the file's bytes, which
/// hold the same little-endian floats. The parsed model is the one a plain parse gives, except that those
/// tensors carry <c>raw_data</c> instead of <c>float_data</c>; their values are identical.
/// </summary>
/// <remarks>
/// A plain parse of ResNet18's 63 MB took 0.6–0.9 s, a quarter of the recipe's start-up (startup benchmark,
/// docs/benchmarks.md): every float goes through a delegate call into a growing managed array, then is
/// copied again into libtorch. This is an optimisation only: anything it does not expect (a malformed
/// length, a tensor with its values split or duplicated, a count that does not add up) makes it return
/// null, and the caller parses the file the plain way, which reports what is wrong.
/// </remarks>
internal static class PackedFloatWeights
{
    // Field numbers and wire types (onnx.proto3; protobuf encoding).
    private const int ModelGraph = 7;
    private const int GraphInitializer = 5;
    private const int TensorDims = 1;
    private const int TensorFloatData = 4;
    private const int TensorRawData = 9;
    private const int LengthDelimited = 2;

    /// <summary>The parsed model, or null when the file's layout is not one this reads (then parse it plainly).</summary>
    public static ModelProto? TryParse(ReadOnlyMemory<byte> file)
    {
        if (!BitConverter.IsLittleEndian)
        {
            return null;
        }

        var spans = new List<(int Offset, int Length)?>();
        byte[] stripped;
        try
        {
            // A first walk writes nothing: most files (raw_data weights) have nothing to cut out, and
            // copying them whole only to throw the copy away doubled their load's memory traffic.
            if (!CopyModel(file.Span, null, spans))
            {
                return null;
            }

            spans.Clear();
            using var output = new MemoryStream();
            CopyModel(file.Span, output, spans);
            stripped = output.ToArray();
        }
        catch (FormatException)
        {
            return null;
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(stripped);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }

        if (model.Graph is null || model.Graph.Initializer.Count != spans.Count)
        {
            return null;
        }

        for (int i = 0; i < spans.Count; i++)
        {
            if (spans[i] is { } span)
            {
                model.Graph.Initializer[i].RawData = UnsafeByteOperations.UnsafeWrap(file.Slice(span.Offset, span.Length));
            }
        }

        return model;
    }

    // ModelProto: every field copied, the graph rewritten (into `output`, unless null: then only the spans
    // are found). False when nothing is worth cutting out.
    private static bool CopyModel(ReadOnlySpan<byte> file, MemoryStream? output, List<(int Offset, int Length)?> spans)
    {
        var reader = new WireReader(file, 0, file.Length);
        while (reader.More)
        {
            var (field, wireType, start) = reader.ReadTag();
            if (field == ModelGraph && wireType == LengthDelimited)
            {
                var (offset, length) = reader.ReadLengthDelimited();
                using var graph = output is null ? null : new MemoryStream();
                CopyGraph(file, offset, length, graph, spans);
                WriteLengthDelimited(output, file, start, reader.TagEnd, graph);
            }
            else
            {
                reader.Skip(wireType);
                output?.Write(file[start..reader.Position]);
            }
        }

        return spans.Any(s => s is not null);
    }

    // GraphProto: initializers rewritten (each remembered, in order), everything else copied.
    private static void CopyGraph(ReadOnlySpan<byte> file, int offset, int length, MemoryStream? output, List<(int Offset, int Length)?> spans)
    {
        var reader = new WireReader(file, offset, length);
        while (reader.More)
        {
            var (field, wireType, start) = reader.ReadTag();
            if (field == GraphInitializer && wireType == LengthDelimited)
            {
                var (tensorOffset, tensorLength) = reader.ReadLengthDelimited();
                var floats = FloatDataOf(file, tensorOffset, tensorLength);
                spans.Add(floats);
                if (output is null)
                {
                    continue;
                }

                if (floats is null)
                {
                    output.Write(file[start..reader.Position]);
                    continue;
                }

                using var tensor = new MemoryStream();
                CopyTensorWithout(file, tensorOffset, tensorLength, floats.Value, tensor);
                WriteLengthDelimited(output, file, start, reader.TagEnd, tensor);
            }
            else
            {
                reader.Skip(wireType);
                output?.Write(file[start..reader.Position]);
            }
        }
    }

    // The bytes of a TensorProto's packed float_data, when that is its only copy of the values and holds
    // as many as its dims say (anything else is left to the plain parse, whose checks name float_data).
    private static (int Offset, int Length)? FloatDataOf(ReadOnlySpan<byte> file, int offset, int length)
    {
        var reader = new WireReader(file, offset, length);
        (int Offset, int Length)? floats = null;
        long elements = 1;
        while (reader.More)
        {
            var (field, wireType, _) = reader.ReadTag();
            if (field == TensorDims)
            {
                if (wireType == LengthDelimited)
                {
                    var (start, size) = reader.ReadLengthDelimited();
                    var dims = new WireReader(file, start, size);
                    while (dims.More)
                    {
                        elements = Times(elements, dims.ReadVarint());
                    }
                }
                else
                {
                    elements = Times(elements, wireType == 0 ? reader.ReadVarint() : ulong.MaxValue);
                }

                continue;
            }

            if (field == TensorFloatData)
            {
                if (wireType != LengthDelimited || floats is not null)
                {
                    return null; // unpacked, or split over several fields: left to the plain parse
                }

                floats = reader.ReadLengthDelimited();
                continue;
            }

            if (field == TensorRawData)
            {
                return null; // both forms at once: the checks on load report it
            }

            reader.Skip(wireType);
        }

        return floats is { Length: > 0 } f && f.Length == elements * sizeof(float) ? f : null;
    }

    // A product of dims, or -1 once it is negative or past what a file can hold.
    private static long Times(long elements, ulong dim) =>
        elements < 0 || dim > int.MaxValue || elements * (long)dim > int.MaxValue ? -1 : elements * (long)dim;

    private static void CopyTensorWithout(ReadOnlySpan<byte> file, int offset, int length, (int Offset, int Length) floats, MemoryStream output)
    {
        var reader = new WireReader(file, offset, length);
        while (reader.More)
        {
            var (field, wireType, start) = reader.ReadTag();
            reader.Skip(wireType);
            if (field != TensorFloatData)
            {
                output.Write(file[start..reader.Position]);
            }
        }
    }

    // The field's tag, then `content` with its new length; nothing when only finding the spans.
    private static void WriteLengthDelimited(MemoryStream? output, ReadOnlySpan<byte> file, int tagStart, int tagEnd, MemoryStream? content)
    {
        if (output is null || content is null)
        {
            return;
        }

        output.Write(file[tagStart..tagEnd]);
        for (ulong value = (ulong)content.Length; ; value >>= 7)
        {
            if (value < 0x80)
            {
                output.WriteByte((byte)value);
                break;
            }

            output.WriteByte((byte)(value | 0x80));
        }

        content.Position = 0;
        content.CopyTo(output);
    }

    /// <summary>Protobuf wire reading within [offset, offset + length), every length checked against the bytes there.</summary>
    private ref struct WireReader(ReadOnlySpan<byte> bytes, int offset, int length)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly int _end = offset + length;

        public int Position { get; private set; } = offset;

        public int TagEnd { get; private set; }

        public readonly bool More => Position < _end;

        public (int Field, int WireType, int Start) ReadTag()
        {
            int start = Position;
            ulong tag = ReadVarint();
            TagEnd = Position;
            if (tag >> 3 is 0 or > int.MaxValue)
            {
                throw new FormatException("bad field number");
            }

            return ((int)(tag >> 3), (int)(tag & 7), start);
        }

        public (int Offset, int Length) ReadLengthDelimited()
        {
            ulong length = ReadVarint();
            if (length > (ulong)(_end - Position))
            {
                throw new FormatException("length past the end");
            }

            var span = (Position, (int)length);
            Position += (int)length;
            return span;
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0:
                    ReadVarint();
                    break;
                case 1:
                    Advance(8);
                    break;
                case LengthDelimited:
                    ReadLengthDelimited();
                    break;
                case 5:
                    Advance(4);
                    break;
                default:
                    throw new FormatException("unsupported wire type"); // groups are not used by ONNX
            }
        }

        private void Advance(int count)
        {
            if (count > _end - Position)
            {
                throw new FormatException("field past the end");
            }

            Position += count;
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (Position >= _end)
                {
                    throw new FormatException("varint past the end");
                }

                byte b = _bytes[Position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new FormatException("varint too long");
        }
    }
}
