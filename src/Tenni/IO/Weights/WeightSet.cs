namespace Tenni.IO.Weights;

/// <summary>
/// The arrays of one weight file, by name in file order. Their values are read on first use, some through a
/// file kept open for that (a zip archive is opened once, not once per array): dispose the set when done.
/// </summary>
internal sealed class WeightSet : OrderedDictionary<string, WeightArray>, IDisposable
{
    private readonly List<IDisposable> _resources = [];

    public WeightSet()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Closes <paramref name="resource"/> with the set.</summary>
    public T Own<T>(T resource)
        where T : IDisposable
    {
        _resources.Add(resource);
        return resource;
    }

    /// <summary>Takes over what <paramref name="other"/> owns.</summary>
    public void Adopt(WeightSet other)
    {
        _resources.AddRange(other._resources);
        other._resources.Clear();
    }

    public void Dispose()
    {
        foreach (var resource in _resources)
        {
            resource.Dispose();
        }

        _resources.Clear();
    }
}
