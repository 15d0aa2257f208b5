using SkiaSharp;

namespace Tenni.Imaging;

/// <summary>Applies an EXIF orientation, so pixels come out as a viewer shows them.</summary>
public static class ImageOrientation
{
    public static RgbImage Apply(RgbImage image, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0)
        {
            return image;
        }

        // Origins 5 to 8 swap width and height (the stored image is rotated a quarter turn).
        bool swap = origin >= SKEncodedOrigin.LeftTop;
        int w = image.Width;
        int h = image.Height;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        byte[] src = image.Pixels;
        byte[] dst = new byte[src.Length];
        for (int y = 0; y < outH; y++)
        {
            for (int x = 0; x < outW; x++)
            {
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                int s = ((sy * w) + sx) * 3;
                int d = ((y * outW) + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return new RgbImage(outW, outH, dst);
    }
}
