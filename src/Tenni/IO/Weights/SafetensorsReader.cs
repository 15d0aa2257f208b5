namespace Tenni.IO.Weights;

/// <summary>Reads a safetensors file's header; each floating array is read from the file into float32 when its values are asked for.</summary>
internal static class SafetensorsReader
{
    public static WeightSet Read(string path)
    {
        using var stream = File.OpenRead(path);
        var header = SafetensorsHeader.Read(stream);
        var arrays = new WeightSet();
        foreach (var entry in header.Entries)
        {
            arrays[entry.Name] = new WeightArray(entry.Name, entry.Shape, entry.DType, () =>
            {
                using var again = File.OpenRead(path);
                again.Position = header.DataStart + entry.Start;
                return ElementTypes.ReadFloats(again, entry.DType, entry.Count, bigEndian: false);
            });
        }

        return arrays;
    }
}
