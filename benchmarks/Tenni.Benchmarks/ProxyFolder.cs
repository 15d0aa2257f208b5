using SkiaSharp;

namespace Tenni.Benchmarks;

/// <summary>
/// A larger folder of distinct photos made from a small one, for timing the recipe at the size the speed
/// issue quotes (1,802 photos) where that folder is not available: the first round copies every file as it
/// is (its defects included), each later round writes every photo again mirrored or not and cropped by
/// another margin, re-encoded as JPEG (quality 90), so no two files are identical and each still decodes at
/// a real photo's cost. Class folders are kept.
/// </summary>
internal static class ProxyFolder
{
    public static void Run(string source, string target, int count)
    {
        var files = Directory.GetDirectories(source).Order(StringComparer.Ordinal)
            .SelectMany(folder => Directory.GetFiles(folder).Order(StringComparer.Ordinal)).ToArray();
        int written = 0;
        for (int round = 0; written < count; round++)
        {
            int before = written;
            foreach (string file in files)
            {
                if (written == count)
                {
                    break;
                }

                string folder = Path.Combine(target, Path.GetFileName(Path.GetDirectoryName(file))!);
                Directory.CreateDirectory(folder);
                string name = $"{Path.GetFileNameWithoutExtension(file)}-{round}";
                if (round == 0)
                {
                    File.Copy(file, Path.Combine(folder, name + Path.GetExtension(file)), overwrite: true);
                    written++;
                }
                else if (Variant(file, round) is { } jpeg)
                {
                    File.WriteAllBytes(Path.Combine(folder, name + ".jpg"), jpeg);
                    written++;
                }
            }

            if (written == before)
            {
                throw new InvalidOperationException($"no photo in {source} decodes");
            }
        }

        Console.WriteLine($"{written} files in {target}");
    }

    // Mirrored on odd rounds; cropped by 3 % more of each side every round (up to 30 %), re-encoded.
    private static byte[]? Variant(string file, int round)
    {
        using var bitmap = SKBitmap.Decode(file);
        if (bitmap is null || bitmap.Width < 32 || bitmap.Height < 32)
        {
            return null;
        }

        double margin = Math.Min(0.3, 0.03 * round);
        int left = (int)(bitmap.Width * margin / 2), top = (int)(bitmap.Height * margin / 2);
        var crop = new SKRectI(left, top, bitmap.Width - left, bitmap.Height - top);
        using var surface = SKSurface.Create(new SKImageInfo(crop.Width, crop.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var canvas = surface.Canvas;
        if (round % 2 == 1)
        {
            canvas.Scale(-1, 1, crop.Width / 2f, 0);
        }

        canvas.DrawBitmap(bitmap, crop, new SKRect(0, 0, crop.Width, crop.Height));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
