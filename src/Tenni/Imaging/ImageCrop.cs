namespace Tenni.Imaging;

/// <summary>Crops and flips of <see cref="RgbImage"/>s.</summary>
internal static class ImageCrop
{
    /// <summary>torchvision's center_crop: top = round((h - th) / 2), left = round((w - tw) / 2).</summary>
    public static RgbImage Center(RgbImage image, int width, int height)
    {
        if (width > image.Width || height > image.Height)
        {
            throw new ArgumentException($"cannot crop {width}×{height} out of {image.Width}×{image.Height}");
        }

        int top = (int)Math.Round((image.Height - height) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((image.Width - width) / 2.0, MidpointRounding.ToEven);
        return Region(image, left, top, width, height);
    }

    public static RgbImage Region(RgbImage image, int left, int top, int width, int height)
    {
        byte[] dst = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            Array.Copy(image.Pixels, (((top + y) * image.Width) + left) * 3, dst, y * width * 3, width * 3);
        }

        return new RgbImage(width, height, dst);
    }

    public static RgbImage FlipHorizontal(RgbImage image)
    {
        byte[] src = image.Pixels;
        byte[] dst = new byte[src.Length];
        int w = image.Width;
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int s = ((y * w) + x) * 3;
                int d = ((y * w) + (w - 1 - x)) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return new RgbImage(w, image.Height, dst);
    }
}
