namespace Tenni.Imaging;

/// <summary>A successfully decoded file: pixels (orientation applied), the format found in its content, its content hash.</summary>
public sealed record DecodedImage(RgbImage Image, string Format, string ContentHash);
