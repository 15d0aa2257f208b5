using SkiaSharp;
using Tenni.Imaging;

namespace Tenni.Cli.Serving;

/// <summary>A small JPEG of a photo (orientation applied), for the mistakes gallery.</summary>
internal static class Thumbnail
{
    public const int Side = 160;

    public static byte[] Jpeg(string path)
    {
        var image = ImageDecoder.Decode(path);
        double scale = Math.Min(1.0, (double)Side / Math.Max(image.Width, image.Height));
        int width = Math.Max(1, (int)Math.Round(image.Width * scale));
        int height = Math.Max(1, (int)Math.Round(image.Height * scale));
        using var source = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Span<byte> rgba = source.GetPixelSpan();
        for (int i = 0, n = image.Width * image.Height; i < n; i++)
        {
            rgba[4 * i] = image.Pixels[3 * i];
            rgba[(4 * i) + 1] = image.Pixels[(3 * i) + 1];
            rgba[(4 * i) + 2] = image.Pixels[(3 * i) + 2];
            rgba[(4 * i) + 3] = 255;
        }

        using var small = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        source.ScalePixels(small, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var data = small.Encode(SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }
}
