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
internal static class ImageReader
{
    /// <summary>Pillow's decompression-bomb limit (<c>Image.MAX_IMAGE_PIXELS</c>): 89,478,485 pixels, ≈ 0.25 GiB as RGBA.</summary>
    public const long DefaultMaxPixels = 89_478_485;

    /// <summary>
    /// The most bytes read from one file: 256 MiB. A photo is a few MB and a maximum-size PNG rarely
    /// 200 MB; without a limit a link to a huge file (or a file that keeps growing) would be read whole.
    /// </summary>
    public const long DefaultMaxFileBytes = 256L * 1024 * 1024;

    private static readonly HashSet<string> SystemFiles = new(StringComparer.OrdinalIgnoreCase) { "Thumbs.db", "desktop.ini", ".DS_Store", "ehthumbs.db" };

    /// <summary>
    /// Reads one file: either <see cref="DecodedImage"/> or an <see cref="ImageProblem"/>, never an exception
    /// for bad content. Only regular files are opened (a FIFO, device or socket is skipped unopened), at
    /// most <paramref name="maxFileBytes"/> bytes are read, and at most <paramref name="maxPixels"/> decoded.
    /// </summary>
    public static (DecodedImage? Image, ImageProblem? Problem) Read(string path, long maxPixels = DefaultMaxPixels, long maxFileBytes = DefaultMaxFileBytes) =>
        Read(path, maxPixels, maxFileBytes, image => image);

    /// <summary>
    /// Reads one file and hands the decoded image to <paramref name="use"/> while its pixels are still
    /// counted in <see cref="DecodeBudget.Shared"/>: parallel readers call this and keep only what
    /// <paramref name="use"/> returns (a preprocessed row, a sample), so full-size images never pile up.
    /// </summary>
    internal static (T? Result, ImageProblem? Problem) Read<T>(string path, long maxPixels, long maxFileBytes, Func<DecodedImage, T> use)
        where T : class =>
        ReadCore(path, maxPixels, maxFileBytes, Decoded(use));

    /// <summary>
    /// Checks that a file decodes completely and returns its size (orientation applied), format and
    /// hash, without a managed copy of the pixels: a folder scan keeps nothing else, and full-size RGB
    /// arrays would only be garbage waiting for a collection.
    /// </summary>
    /// <param name="decoded">Also given the decoded image (while the budget counts it), when the scan's
    /// decode is put to use: training computes activations from it instead of decoding the file again.</param>
    internal static (ImageFacts? Facts, ImageProblem? Problem) Inspect(string path, long maxPixels, long maxFileBytes, Action<DecodedImage>? decoded = null) =>
        ReadCore(path, maxPixels, maxFileBytes, (codec, rgba, hash) =>
        {
            decoded?.Invoke(Decoded<DecodedImage>(image => image)(codec, rgba, hash));
            return codec.EncodedOrigin >= SKEncodedOrigin.LeftTop
                ? new ImageFacts(rgba.Height, rgba.Width, FormatOf(codec), hash)
                : new ImageFacts(rgba.Width, rgba.Height, FormatOf(codec), hash);
        });

    // Reads, checks and decodes to RGBA in Skia's native memory, then lets finish make the result
    // while the pixels are counted in the decode budget; the RGBA is freed on return.
    private static (T? Result, ImageProblem? Problem) ReadCore<T>(string path, long maxPixels, long maxFileBytes, Func<SKCodec, SKBitmap, string, T> finish)
        where T : class
    {
        string name = Path.GetFileName(path);
        if (SystemFiles.Contains(name))
        {
            return Fail<T>(ImageProblemKind.SystemFile, $"'{path}' is a system file ({name}), not an image");
        }

        var (bytes, length, readProblem) = ImageFileBytes.Read(path, maxFileBytes);
        return bytes is null ? (null, readProblem) : DecodeBytes(bytes, length, path, maxPixels, finish);
    }

    /// <summary>
    /// Decodes bytes already in memory (an upload), named <paramref name="name"/> in messages, with the
    /// same checks as a file: content sniffing, the pixel limit before any pixel buffer, complete decodes only.
    /// </summary>
    internal static (T? Result, ImageProblem? Problem) ReadBytes<T>(byte[] bytes, int length, string name, long maxPixels, Func<DecodedImage, T> use)
        where T : class =>
        DecodeBytes(bytes, length, name, maxPixels, Decoded(use));

    private static (T? Result, ImageProblem? Problem) DecodeBytes<T>(byte[] bytes, int length, string path, long maxPixels, Func<SKCodec, SKBitmap, string, T> finish)
        where T : class
    {
        if (length == 0)
        {
            return Fail<T>(ImageProblemKind.Empty, $"'{path}' is empty (0 bytes)");
        }

        // Skia reads the pinned bytes in place (SKData.CreateCopy would make a second copy of the file).
        var pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            using var data = SKData.Create(pin.AddrOfPinnedObject(), length);
            using var codec = SKCodec.Create(data);
            if (codec is null)
            {
                return Fail<T>(ImageProblemKind.NotAnImage, $"'{path}' is not an image: {Describe(bytes.AsSpan(0, length))} (supported: JPEG, PNG, BMP, GIF, WebP)");
            }

            int width = codec.Info.Width;
            int height = codec.Info.Height;
            long pixels = (long)width * height;
            if (pixels > maxPixels || width <= 0 || height <= 0)
            {
                return Fail<T>(ImageProblemKind.TooLarge, $"'{path}' claims {width}×{height} = {pixels:N0} pixels, over the limit of {maxPixels:N0} (ImageFolderOptions.MaxPixels)");
            }

            if (pixels * 4 > Array.MaxLength)
            {
                return Fail<T>(ImageProblemKind.TooLarge, $"'{path}' claims {width}×{height} = {pixels:N0} pixels, more than one buffer can hold");
            }

            if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && JpegScans.Count(bytes.AsSpan(0, length)) > JpegScans.Limit)
            {
                return Fail<T>(ImageProblemKind.Corrupt, $"'{path}' is a JPEG with more than {JpegScans.Limit} scans (real ones have at most about 10; each costs a pass over the image)");
            }

            using var lease = DecodeBudget.Shared.Acquire(pixels);
            var (rgba, problem) = Decode(codec, path);
            using (rgba)
            {
                if (rgba is null)
                {
                    return (null, problem);
                }

                string hash = Convert.ToHexString(SHA256.HashData(bytes.AsSpan(0, length))).ToLowerInvariant();
                return (finish(codec, rgba, hash), null);
            }
        }
        finally
        {
            pin.Free();
        }
    }

    // RGBA in Skia's native memory, freed by the caller as soon as it is used (not left to the garbage collector).
    private static (SKBitmap?, ImageProblem?) Decode(SKCodec codec, string path)
    {
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info))
        {
            bitmap.Dispose();
            return (null, new ImageProblem(ImageProblemKind.TooLarge, $"'{path}': no memory for {info.Width}×{info.Height} pixels"));
        }

        // Frame 0 only: the first frame of a GIF or animated WebP.
        var result = codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(0));
        if (result == SKCodecResult.Success)
        {
            return (bitmap, null);
        }

        bitmap.Dispose();
        return result == SKCodecResult.IncompleteInput
            ? (null, new ImageProblem(ImageProblemKind.Truncated, $"'{path}' is truncated: the {codec.EncodedFormat} data ends early"))
            : (null, new ImageProblem(ImageProblemKind.Corrupt, $"'{path}' is a damaged {codec.EncodedFormat} image ({result})"));
    }

    // The decoded image with its orientation applied, handed to `use` while its pixels are still counted.
    private static Func<SKCodec, SKBitmap, string, T> Decoded<T>(Func<DecodedImage, T> use) => (codec, rgba, hash) =>
        use(new DecodedImage(ImageOrientation.FromPixels(rgba.GetPixelSpan(), 4, rgba.Width, rgba.Height, codec.EncodedOrigin), FormatOf(codec), hash));

    private static string FormatOf(SKCodec codec) => codec.EncodedFormat.ToString().ToUpperInvariant();

    private static string Describe(ReadOnlySpan<byte> bytes)
    {
        var head = System.Text.Encoding.ASCII.GetString(bytes[..Math.Min(bytes.Length, 512)]).TrimStart();
        if (head.StartsWith('<'))
        {
            return head.Contains("html", StringComparison.OrdinalIgnoreCase) ? "an HTML page" : "an XML or HTML text";
        }

        bool text = true;
        foreach (byte b in bytes[..Math.Min(bytes.Length, 512)])
        {
            text &= b is 9 or 10 or 13 or (>= 32 and < 127);
        }

        return text ? "a text file" : $"unknown content starting {Convert.ToHexString(bytes[..Math.Min(bytes.Length, 4)])}";
    }

    private static (T?, ImageProblem?) Fail<T>(ImageProblemKind kind, string message) => (default, new ImageProblem(kind, message));
}
