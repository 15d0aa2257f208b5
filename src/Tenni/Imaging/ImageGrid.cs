using SkiaSharp;

namespace Tenni.Imaging;

/// <summary>Same-size pictures tiled left to right, top to bottom, on white with a small gap, written as one PNG.</summary>
internal static class ImageGrid
{
    public const int Gap = 4;

    public const int MaxColumns = 4;

    /// <summary>The grid's width and height for <paramref name="count"/> tiles of the given size.</summary>
    public static (int Width, int Height) Size(int count, int tileWidth, int tileHeight)
    {
        int columns = Math.Min(count, MaxColumns);
        int rows = (count + columns - 1) / columns;
        return ((columns * tileWidth) + ((columns - 1) * Gap), (rows * tileHeight) + ((rows - 1) * Gap));
    }

    public static void WritePng(IReadOnlyList<RgbImage> tiles, string path)
    {
        int tileWidth = tiles[0].Width;
        int tileHeight = tiles[0].Height;
        if (tiles.Any(t => t.Width != tileWidth || t.Height != tileHeight))
        {
            throw new ArgumentException("every tile must have the same size", nameof(tiles));
        }

        var (width, height) = Size(tiles.Count, tileWidth, tileHeight);
        byte[] rgba = new byte[width * height * 4];
        Array.Fill(rgba, (byte)255);
        for (int n = 0; n < tiles.Count; n++)
        {
            int left = (n % MaxColumns) * (tileWidth + Gap);
            int top = (n / MaxColumns) * (tileHeight + Gap);
            Paste(tiles[n], rgba, width, left, top);
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        IO.AtomicFile.Write(path, stream => png.SaveTo(stream));
    }

    private static void Paste(RgbImage tile, byte[] rgba, int width, int left, int top)
    {
        for (int y = 0; y < tile.Height; y++)
        {
            for (int x = 0; x < tile.Width; x++)
            {
                int source = ((y * tile.Width) + x) * 3;
                int target = ((((top + y) * width) + left + x) * 4);
                rgba[target] = tile.Pixels[source];
                rgba[target + 1] = tile.Pixels[source + 1];
                rgba[target + 2] = tile.Pixels[source + 2];
            }
        }
    }
}
