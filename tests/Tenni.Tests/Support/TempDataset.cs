using SkiaSharp;

namespace Tenni.Tests.Support;

/// <summary>Builds small class-folder trees of generated images in a temp folder.</summary>
internal static class TempDataset
{
    public static string Create(params (string Class, int Count)[] classes)
    {
        string root = Directory.CreateTempSubdirectory("tenni-data").FullName;
        int seed = 0;
        foreach (var (name, count) in classes)
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            for (int i = 0; i < count; i++)
            {
                WriteImage(Path.Combine(root, name, $"{i:D4}.png"), seed++);
            }
        }

        return root;
    }

    /// <summary>A 24×16 PNG whose colour depends on <paramref name="seed"/>, so every file's bytes differ.</summary>
    public static void WriteImage(string path, int seed, int width = 24, int height = 16)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor((byte)(seed * 37), (byte)(seed * 11), (byte)(seed / 7)));
        bitmap.SetPixel(0, 0, new SKColor((byte)seed, (byte)(seed >> 8), 1));
        File.WriteAllBytes(path, bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray());
    }
}
