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
                foreach (var (key, value) in node!.AsObject())
                {
                    metadata[key] = value!.GetValue<string>();
                }

                continue;
            }

            string dtype = node!["dtype"]!.GetValue<string>();
            if (!ElementTypes.TryGetSize(dtype, out int size))
            {
                throw new FormatException($"tensor '{name}' has dtype {dtype}; known: {string.Join(", ", ElementTypes.Names)}");
            }

            var entry = new SafetensorsEntry(
                name,
                dtype,
                node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray(),
                node["data_offsets"]![0]!.GetValue<long>(),
                node["data_offsets"]![1]!.GetValue<long>());
            if (entry.Shape.Any(d => d < 0) || entry.Start < 0 || entry.End - entry.Start != entry.Count * size || entry.End > dataLength)
            {
                throw new FormatException($"tensor '{name}' needs bytes {entry.Start}..{entry.End} of {dataLength}");
            }

            entries.Add(entry);
        }

        return new SafetensorsHeader(entries, metadata, dataStart);
    }
}
