namespace Tenni.Data;

/// <summary>One readable image of a dataset: its file, class label, content hash and size (after EXIF orientation).</summary>
public sealed record ImageSample(string Path, int Label, string ContentHash, int Width, int Height, string Format);
