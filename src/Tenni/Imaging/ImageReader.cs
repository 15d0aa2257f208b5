using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SkiaSharp;

namespace Tenni.Imaging;

/// <summary>
/// Reads image files and tells the truth about them. The format comes from the content (a PNG named
/// .jpg is a PNG); the pixel count is checked from the header before any pixel buffer exists; only a
/// complete decode counts (SkiaSharp's <c>SKBitmap.Decode</c> would fill a truncated JPEG with grey);
/// EXIF orientation is applied; alpha is dropped (colour values kept as stored, like Pillow's
/// <c>convert('RGB')</c>, which Chainer, Keras and fastai use); GIFs give their first frame.
/// </summary>
public static class ImageReader
{
    /// <summary>Pillow's decompression-bomb limit (<c>Image.MAX_IMAGE_PIXELS</c>): 89,478,485 pixels, ≈ 0.25 GiB as RGBA.</summary>
    public const long DefaultMaxPixels = 89_478_485;

    private static readonly HashSet<string> SystemFiles = new(StringComparer.OrdinalIgnoreCase) { "Thumbs.db", "desktop.ini", ".DS_Store", "ehthumbs.db" };

    /// <summary>Reads one file: either <see cref="DecodedImage"/> or an <see cref="ImageProblem"/>, never an exception for bad content.</summary>
    public static (DecodedImage? Image, ImageProblem? Problem) Read(string path, long maxPixels = DefaultMaxPixels)
    {
        string name = Path.GetFileName(path);
        if (SystemFiles.Contains(name))
        {
            return Fail(ImageProblemKind.SystemFile, $"'{path}' is a system file ({name}), not an image");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(ImageProblemKind.Unreadable, $"'{path}' cannot be read ({e.Message})");
        }

        if (bytes.Length == 0)
        {
            return Fail(ImageProblemKind.Empty, $"'{path}' is empty (0 bytes)");
        }

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return Fail(ImageProblemKind.NotAnImage, $"'{path}' is not an image: {Describe(bytes)} (supported: JPEG, PNG, BMP, GIF, WebP)");
        }

        long pixels = (long)codec.Info.Width * codec.Info.Height;
        if (pixels > maxPixels || codec.Info.Width <= 0 || codec.Info.Height <= 0)
        {
            return Fail(ImageProblemKind.TooLarge, $"'{path}' claims {codec.Info.Width}×{codec.Info.Height} = {pixels:N0} pixels, over the limit of {maxPixels:N0}");
        }

        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        byte[] rgba = new byte[info.BytesSize];
        SKCodecResult result;
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            // Frame 0 only: the first frame of a GIF or animated WebP.
            result = codec.GetPixels(info, handle.AddrOfPinnedObject(), new SKCodecOptions(0));
        }
        finally
        {
            handle.Free();
        }

        if (result == SKCodecResult.IncompleteInput)
        {
            return Fail(ImageProblemKind.Truncated, $"'{path}' is truncated: the {codec.EncodedFormat} data ends early");
        }

        if (result != SKCodecResult.Success)
        {
            return Fail(ImageProblemKind.Corrupt, $"'{path}' is a damaged {codec.EncodedFormat} image ({result})");
        }

        var image = ImageOrientation.Apply(ToRgb(rgba, info.Width, info.Height), codec.EncodedOrigin);
        string hash = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        return (new DecodedImage(image, codec.EncodedFormat.ToString().ToUpperInvariant(), hash), null);
    }

    private static RgbImage ToRgb(byte[] rgba, int width, int height)
    {
        byte[] rgb = new byte[width * height * 3];
        for (int src = 0, dst = 0; dst < rgb.Length; src += 4, dst += 3)
        {
            rgb[dst] = rgba[src];
            rgb[dst + 1] = rgba[src + 1];
            rgb[dst + 2] = rgba[src + 2];
        }

        return new RgbImage(width, height, rgb);
    }

    private static string Describe(byte[] bytes)
    {
        var head = System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 512)).TrimStart();
        if (head.StartsWith('<'))
        {
            return head.Contains("html", StringComparison.OrdinalIgnoreCase) ? "an HTML page" : "an XML or HTML text";
        }

        bool text = bytes.Take(512).All(b => b is 9 or 10 or 13 or (>= 32 and < 127));
        return text ? "a text file" : $"unknown content starting {Convert.ToHexString(bytes, 0, Math.Min(bytes.Length, 4))}";
    }

    private static (DecodedImage?, ImageProblem?) Fail(ImageProblemKind kind, string message) => (null, new ImageProblem(kind, message));
}
