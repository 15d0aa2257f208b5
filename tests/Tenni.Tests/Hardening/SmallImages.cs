using SkiaSharp;

namespace Tenni.Tests.Hardening;

/// <summary>
/// Small valid files of each supported format, made in the test: JPEG, PNG and WebP by Skia's encoders;
/// GIF and BMP (Skia encodes neither) by the few lines each format needs.
/// </summary>
internal static class SmallImages
{
    public const int Width = 40;
    public const int Height = 32;

    public static IReadOnlyDictionary<string, byte[]> All { get; } = new Dictionary<string, byte[]>
    {
        ["JPEG"] = Skia(SKEncodedImageFormat.Jpeg),
        ["PNG"] = Skia(SKEncodedImageFormat.Png),
        ["WEBP"] = Skia(SKEncodedImageFormat.Webp),
        ["GIF"] = Gif(),
        ["BMP"] = Bmp(),
    };

    private static byte Value(int x, int y, int c) => (byte)((x * 37) + (y * 91) + (c * 53) + ((x * y) % 17));

    private static byte[] Skia(SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(Width, Height);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor(Value(x, y, 0), Value(x, y, 1), Value(x, y, 2)));
            }
        }

        return bitmap.Encode(format, 90).ToArray();
    }

    // 24-bit BMP: 14-byte file header, 40-byte info header, rows bottom-up in BGR, padded to 4 bytes.
    private static byte[] Bmp()
    {
        int row = ((Width * 3) + 3) & ~3;
        var bytes = new List<byte>();
        void U16(int v) => bytes.AddRange(BitConverter.GetBytes((ushort)v));
        void U32(int v) => bytes.AddRange(BitConverter.GetBytes(v));
        bytes.AddRange("BM"u8.ToArray());
        U32(54 + (row * Height));
        U32(0);
        U32(54);
        U32(40);
        U32(Width);
        U32(Height);
        U16(1);
        U16(24);
        U32(0);
        U32(row * Height);
        U32(2835);
        U32(2835);
        U32(0);
        U32(0);
        for (int y = Height - 1; y >= 0; y--)
        {
            for (int x = 0; x < Width; x++)
            {
                bytes.AddRange([Value(x, y, 2), Value(x, y, 1), Value(x, y, 0)]);
            }

            bytes.AddRange(new byte[row - (Width * 3)]);
        }

        return bytes.ToArray();
    }

    // GIF89a with a 256-grey palette and "uncompressed" LZW: 9-bit literal codes with a clear code every
    // 200, so the code width never grows (every decoder must read that).
    private static byte[] Gif()
    {
        var bytes = new List<byte>();
        bytes.AddRange("GIF89a"u8.ToArray());
        bytes.AddRange([Width, 0, Height, 0, 0xF7, 0, 0]);
        for (int i = 0; i < 256; i++)
        {
            bytes.AddRange([(byte)i, (byte)i, (byte)i]);
        }

        bytes.AddRange([0x2C, 0, 0, 0, 0, Width, 0, Height, 0, 0, 8]);
        var codes = new List<int>();
        for (int i = 0; i < Width * Height; i++)
        {
            if (i % 200 == 0)
            {
                codes.Add(256);
            }

            codes.Add(Value(i % Width, i / Width, 0));
        }

        codes.Add(257);
        var packed = new List<byte>();
        int buffer = 0;
        int bits = 0;
        foreach (int code in codes)
        {
            buffer |= code << bits;
            bits += 9;
            while (bits >= 8)
            {
                packed.Add((byte)buffer);
                buffer >>= 8;
                bits -= 8;
            }
        }

        if (bits > 0)
        {
            packed.Add((byte)buffer);
        }

        foreach (var block in packed.Chunk(255))
        {
            bytes.Add((byte)block.Length);
            bytes.AddRange(block);
        }

        bytes.AddRange([0, 0x3B]);
        return bytes.ToArray();
    }
}
