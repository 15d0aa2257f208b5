namespace Tenni.Data;

/// <summary>One readable image of a dataset: its file, class label, content hash and size (after EXIF orientation).</summary>
public sealed record ImageSample(string Path, int Label, string ContentHash, int Width, int Height, string Format)
{
    /// <summary>
    /// A multi-label photo's label set (ascending label indices, possibly empty); null for single-label data.
    /// <see cref="Label"/> is then the first of them, or -1 for none, so a stratified split and the data
    /// report still group by something sensible.
    /// </summary>
    public IReadOnlyList<int>? Labels { get; init; }
}
