namespace Tenni.Imaging;

/// <summary>What a folder scan keeps of a decoded file: its size as shown (orientation applied), format and content hash.</summary>
internal sealed record ImageFacts(int Width, int Height, string Format, string ContentHash);
