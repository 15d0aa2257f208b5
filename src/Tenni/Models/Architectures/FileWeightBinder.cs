using Tenni.IO.Weights;

namespace Tenni.Models.Architectures;

/// <summary>Weights read from a file, checked key by key and shape by shape against the architecture.</summary>
internal sealed class FileWeightBinder(IReadOnlyDictionary<string, WeightArray> arrays, string path, string model) : WeightBinder
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public override float[] Take(string key, long[] shape, string layer)
    {
        if (!arrays.TryGetValue(key, out var array))
        {
            throw new TenniException($"'{path}' has no tensor '{key}' (layer {layer} of {model}); {ArchitectureGuess.Describe(arrays.Keys, model)}");
        }

        if (!array.Shape.SequenceEqual(shape))
        {
            throw new TenniException($"layer {layer} of {model}: tensor '{key}' in '{path}' has shape [{string.Join(", ", array.Shape)}], expected [{string.Join(", ", shape)}]{ArchitectureGuess.OtherArchitecture(arrays.Keys, model)}");
        }

        if (array.Values is null)
        {
            throw new TenniException($"layer {layer} of {model}: tensor '{key}' in '{path}' is {array.DType}, expected floating point");
        }

        _used.Add(key);
        return array.Values;
    }
}
