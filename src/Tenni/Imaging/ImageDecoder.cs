using System.Runtime.InteropServices;
using SkiaSharp;

namespace Tenni.Imaging;

/// <summary>
/// Decodes an image file into RGB with SkiaSharp. The format comes from the file's content, not its name;
/// anything short of a complete decode (a truncated file, for one) is an error, never a half-grey picture.
/// </summary>
public static class ImageDecoder
{
    public static RgbImage Decode(string path)
    {
        if (!File.Exists(path))
        {
            throw new TenniException($"image '{path}' does not exist");
        }

        using var data = SKData.Create(path);
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null)
        {
            throw new TenniException($"'{path}' is not a readable image (supported: JPEG, PNG, BMP, GIF, WebP)");
        }

        // Unpremultiplied RGBA: colour values of transparent pixels stay as stored; alpha is dropped.
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        byte[] rgba = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult result;
        try
        {
            result = codec.GetPixels(info, handle.AddrOfPinnedObject());
        }
        finally
        {
            handle.Free();
        }

        if (result != SKCodecResult.Success)
        {
            throw new TenniException($"'{path}' could not be decoded completely ({result})");
        }

        byte[] rgb = new byte[info.Width * info.Height * 3];
        for (int src = 0, dst = 0; dst < rgb.Length; src += 4, dst += 3)
        {
            rgb[dst] = rgba[src];
            rgb[dst + 1] = rgba[src + 1];
            rgb[dst + 2] = rgba[src + 2];
        }

        return new RgbImage(info.Width, info.Height, rgb);
    }
}
