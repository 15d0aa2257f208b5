using SkiaSharp;
using Tenni.Imaging;

namespace Tenni.Reporting;

/// <summary>Small JPEG thumbnails: as <c>data:</c> URIs, so the report holds its pictures and asks nothing of the network, and as bytes for the served mistakes gallery.</summary>
internal static class Thumbnail
{
    public const int Size = 128;

    /// <summary>The photo shrunk to fit <see cref="Size"/> pixels, or null when it cannot be read (within the reader's limits).</summary>
    public static string? DataUri(string path) =>
        Jpeg(path, Size) is { } jpeg ? "data:image/jpeg;base64," + Convert.ToBase64String(jpeg) : null;

    /// <summary>The photo (orientation applied) shrunk to fit <paramref name="side"/> pixels as a JPEG, or null when it cannot be read.</summary>
    public static byte[]? Jpeg(string path, int side)
    {
        var (decoded, _) = ImageReader.Read(path);
        if (decoded is null)
        {
            return null;
        }

        var image = decoded.Image;
        double scale = Math.Min(1.0, (double)side / Math.Max(image.Width, image.Height));
        var small = scale < 1
            ? ImageResizer.Resize(image, Math.Max(1, (int)Math.Round(image.Width * scale)), Math.Max(1, (int)Math.Round(image.Height * scale)))
            : image;
        return Jpeg(small);
    }

    private static byte[] Jpeg(RgbImage image)
    {
        byte[] rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            (rgba[j], rgba[j + 1], rgba[j + 2], rgba[j + 3]) = (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2], 255);
        }

        using var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var encoded = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Jpeg, 85);
        return encoded.ToArray();
    }
}
