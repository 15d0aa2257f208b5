using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.IO.Weights;
using static TorchSharp.torch;

namespace Tenni.IO;

/// <summary>
/// Named float32 tensors in the safetensors format (an 8-byte header length, a JSON header of name →
/// dtype, shape and byte range, then the raw little-endian data), readable by Python's
/// <c>safetensors</c>. Pure data: loading runs no code. Written atomically.
/// </summary>
internal static class TensorFile
{
    public static void Save(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.Select(t => (t.Name, Data: t.Value.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), Shape: t.Value.shape)).ToList();
        var header = new JsonObject();
        if (metadata is not null)
        {
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        }

        long offset = 0;
        foreach (var (name, data, shape) in items)
        {
            long end = offset + (data.Length * 4L);
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(end)),
            };
            offset = end;
        }

        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, padded);
            stream.Write(length);
            stream.Write(json);
            stream.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
            foreach (var (_, data, _) in items)
            {
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            }
        });
    }

    /// <summary>Reads every tensor; a truncated or malformed file is a <see cref="TenniException"/> naming it.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new TenniException($"tensor file '{path}' does not exist");
        }

        using var stream = File.OpenRead(path);
        try
        {
            var header = SafetensorsHeader.Read(stream);
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var entry in header.Entries)
            {
                if (entry.DType != "F32")
                {
                    throw new FormatException($"tensor '{entry.Name}' is {entry.DType}, expected F32");
                }

                stream.Position = header.DataStart + entry.Start;
                float[] values = ElementTypes.ReadFloats(stream, "F32", entry.Count, bigEndian: false);
                tensors[entry.Name] = tensor(values, entry.Shape).DetachFromDisposeScope();
            }

            return (tensors, new Dictionary<string, string>(header.Metadata, StringComparer.Ordinal));
        }
        catch (Exception e) when (e is FormatException or JsonException or EndOfStreamException or ArgumentException or InvalidOperationException or NullReferenceException or IndexOutOfRangeException)
        {
            throw new TenniException($"'{path}' is not a readable tensor file (truncated or damaged: {e.Message})", e);
        }
    }
}
