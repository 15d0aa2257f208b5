using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Tenni.IO.Weights;

/// <summary>One tensor listed in a safetensors header: its byte range is relative to <see cref="SafetensorsHeader.DataStart"/>.</summary>
internal sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Start, long End)
{
    public long Count => Shape.Aggregate(1L, (p, d) => p * d);
}

/// <summary>
/// The header of a safetensors file (an 8-byte little-endian length, then a JSON object of name →
/// dtype, shape and data_offsets, with optional string <c>__metadata__</c>), checked against the file's
/// length so that reading the data cannot run past the end. The one parser behind
/// <see cref="TensorFile"/> and <see cref="WeightFiles"/>. Damage is a <see cref="FormatException"/>
/// or <see cref="System.Text.Json.JsonException"/>.
/// </summary>
internal sealed record SafetensorsHeader(IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart)
{
    public static SafetensorsHeader Read(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (headerLength <= 0 || headerLength > stream.Length - 8 || headerLength > int.MaxValue)
        {
            throw new FormatException($"header length {headerLength} out of range for {stream.Length} bytes");
        }

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var header = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("header is not a JSON object");
        long dataStart = 8 + headerLength;
        long dataLength = stream.Length - dataStart;
        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (key, value) in node as JsonObject ?? throw new FormatException("__metadata__ is not an object of strings"))
                {
                    metadata[key] = value is JsonValue v && v.TryGetValue(out string? text) ? text : throw new FormatException($"__metadata__ '{key}' is not a string");
                }

                continue;
            }

            var entry = Entry(name, node as JsonObject ?? throw new FormatException($"tensor '{name}' is {Describe(node)}, expected an object with dtype, shape and data_offsets"));
            if (entry.End > dataLength)
            {
                throw new FormatException($"tensor '{name}' needs bytes {entry.Start}..{entry.End} of {dataLength}");
            }

            entries.Add(entry);
        }

        return new SafetensorsHeader(entries, metadata, dataStart);
    }

    // Every field is checked for presence and kind: a header is JSON anyone can write.
    private static SafetensorsEntry Entry(string name, JsonObject node)
    {
        string dtype = node["dtype"] is JsonValue d && d.TryGetValue(out string? text)
            ? text
            : throw new FormatException($"tensor '{name}' has {Describe(node["dtype"])} for dtype; expected one of {string.Join(", ", ElementTypes.Names)}");
        if (!ElementTypes.TryGetSize(dtype, out int size))
        {
            throw new FormatException($"tensor '{name}' has dtype {dtype}; known: {string.Join(", ", ElementTypes.Names)}");
        }

        long[] shape = Longs(node["shape"], name, "shape");
        long[] offsets = Longs(node["data_offsets"], name, "data_offsets");
        if (offsets.Length != 2 || shape.Any(x => x < 0) || offsets[0] < 0 || offsets[1] < offsets[0])
        {
            throw new FormatException($"tensor '{name}' has shape [{string.Join(", ", shape)}] and data_offsets [{string.Join(", ", offsets)}]; expected non-negative dimensions and [start, end] with start <= end");
        }

        long count = StridedView.Count(shape);
        if (count > (offsets[1] - offsets[0]) / size || count * size != offsets[1] - offsets[0])
        {
            throw new FormatException($"tensor '{name}' is {dtype}[{string.Join(", ", shape)}] but has {offsets[1] - offsets[0]} bytes (data_offsets [{offsets[0]}, {offsets[1]}])");
        }

        return new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] Longs(JsonNode? node, string name, string field) =>
        node is JsonArray array
            ? array.Select(x => x is JsonValue v && v.TryGetValue(out long l) ? l : throw new FormatException($"tensor '{name}' has {Describe(x)} in {field}; expected integers")).ToArray()
            : throw new FormatException($"tensor '{name}' has {Describe(node)} for {field}; expected a list of integers");

    private static string Describe(JsonNode? node) => node is null ? "no value" : $"{node.GetValueKind().ToString().ToLowerInvariant()} {Truncate(node.ToJsonString())}";

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
