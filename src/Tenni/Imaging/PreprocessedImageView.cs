using SkiaSharp;
using static TorchSharp.torch;

namespace Tenni.Imaging;

/// <summary>
/// Pictures a preprocessed [3, H, W] tensor the way the chapter looks at it with ChainerCV's
/// <c>vis_image</c>: channels taken as R, G, B in tensor order, each value cast to 8 bits the way numpy's
/// <c>astype(uint8)</c> does (wrapping modulo 256). With the mean subtracted, dark areas turn negative and
/// wrap to bright values, so they look inverted, exactly as in the chapter.
/// </summary>
public static class PreprocessedImageView
{
    public static void WritePng(Tensor chw, string path)
    {
        if (chw.dim() != 3 || chw.shape[0] != 3)
        {
            throw new ArgumentException($"expected a [3, H, W] tensor, got [{string.Join(", ", chw.shape)}]", nameof(chw));
        }

        int height = (int)chw.shape[1];
        int width = (int)chw.shape[2];
        using Tensor contiguousValues = chw.detach().cpu().to_type(ScalarType.Float32).contiguous();
        float[] values = contiguousValues.data<float>().ToArray();
        int plane = width * height;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        byte[] rgba = new byte[plane * 4];
        for (int i = 0; i < plane; i++)
        {
            rgba[(i * 4) + 0] = Wrap(values[i]);
            rgba[(i * 4) + 1] = Wrap(values[plane + i]);
            rgba[(i * 4) + 2] = Wrap(values[(2 * plane) + i]);
            rgba[(i * 4) + 3] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        IO.AtomicFile.Write(path, stream => png.SaveTo(stream));
    }

    private static byte Wrap(float v) => unchecked((byte)(int)v);
}
