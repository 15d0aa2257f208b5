namespace Tenni.IO.Weights;

/// <summary>Reads every array of a safetensors file, floating ones straight from the file into float32.</summary>
internal static class SafetensorsReader
{
    public static OrderedDictionary<string, WeightArray> Read(string path)
    {
        using var stream = File.OpenRead(path);
        var header = SafetensorsHeader.Read(stream);
        var arrays = new OrderedDictionary<string, WeightArray>(StringComparer.Ordinal);
        foreach (var entry in header.Entries)
        {
            float[]? values = null;
            if (ElementTypes.IsFloating(entry.DType))
            {
                stream.Position = header.DataStart + entry.Start;
                values = ElementTypes.ReadFloats(stream, entry.DType, entry.Count, bigEndian: false);
            }

            arrays[entry.Name] = new WeightArray(entry.Name, entry.Shape, values, entry.DType);
        }

        return arrays;
    }
}
