using System.Security.Cryptography;
using Tenni.Imaging;

namespace Tenni.Benchmarks;

/// <summary>A digest of every resize of every photo in a folder (both filters, the shapes the models use): run before and after a change to the resizer that must keep the same bits.</summary>
internal static class ResizeDigest
{
    public static void Run(string data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int count = 0;
        foreach (string file in Directory.EnumerateFiles(data, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (ImageReader.Read(file).Image is not { } decoded)
            {
                continue;
            }

            RgbImage image = decoded.Image;

            foreach (var filter in new[] { ResizeFilter.Bicubic, ResizeFilter.Bilinear })
            {
                foreach (var (w, h) in new[] { (224, 224), (256, 200), (300, 97), (image.Width * 2, image.Height + 3) })
                {
                    hash.AppendData(ImageResizer.Resize(image, w, h, filter).Pixels);
                }
            }

            count++;
        }

        Console.WriteLine($"{count} photos, resize digest {Convert.ToHexString(hash.GetHashAndReset())}");
    }
}
