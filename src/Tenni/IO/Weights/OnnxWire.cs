namespace Tenni.IO.Weights;

/// <summary>
/// Recognizes an ONNX model without parsing it: walks the top-level protobuf fields of a ModelProto
/// (tag, then a varint or a length and a skip), so a large model costs a few seeks.
/// </summary>
internal static class OnnxWire
{
    public enum Verdict
    {
        NotOnnx,
        Model,
        Truncated,
    }

    // ModelProto field number → wire type (0 varint, 2 length-delimited), from onnx.proto.
    private static readonly Dictionary<ulong, ulong> ModelFields = new()
    {
        [1] = 0, [2] = 2, [3] = 2, [4] = 2, [5] = 0, [6] = 2, [7] = 2, [8] = 2, [14] = 2, [20] = 2, [21] = 2, [25] = 2,
    };

    private const ulong IrVersionField = 1;
    private const ulong GraphField = 7;

    public static Verdict Check(Stream stream)
    {
        // Exporters write ir_version first; a file that starts so and then breaks off is a damaged model.
        bool startsLikeOnnx = false;
        bool hasGraph = false;
        while (stream.Position < stream.Length)
        {
            if (!TryReadVarint(stream, out ulong tag))
            {
                return startsLikeOnnx ? Verdict.Truncated : Verdict.NotOnnx;
            }

            ulong field = tag >> 3;
            ulong wire = tag & 7;
            if (!ModelFields.TryGetValue(field, out ulong expected) || expected != wire)
            {
                return Verdict.NotOnnx;
            }

            bool first = stream.Position <= 1;
            if (!TryReadVarint(stream, out ulong value))
            {
                return startsLikeOnnx ? Verdict.Truncated : Verdict.NotOnnx;
            }

            if (first)
            {
                startsLikeOnnx = field == IrVersionField && value is > 0 and < 100;
            }

            if (wire == 2)
            {
                if (value > (ulong)(stream.Length - stream.Position))
                {
                    return startsLikeOnnx ? Verdict.Truncated : Verdict.NotOnnx;
                }

                stream.Seek((long)value, SeekOrigin.Current);
                hasGraph |= field == GraphField;
            }
        }

        return hasGraph ? Verdict.Model : startsLikeOnnx ? Verdict.Truncated : Verdict.NotOnnx;
    }

    private static bool TryReadVarint(Stream stream, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                return false;
            }

            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
