namespace Tenni.Imaging;

/// <summary>
/// Counts the scans of a JPEG before it is decoded. Each scan of a progressive JPEG is a pass over
/// the whole image, so a small file with thousands of tiny scans costs minutes of CPU: libjpeg-turbo
/// (Skia's decoder) documents this and offers a scan limit in djpeg (<c>-maxscans</c>) and TurboJPEG
/// (<c>TJPARAM_SCANLIMIT</c>), which Skia does not set. Real files have 1 (baseline) to about 10 scans.
/// </summary>
internal static class JpegScans
{
    /// <summary>libjpeg-turbo's own fuzzers stop at 500 scans; that is 50 times what encoders write.</summary>
    public const int Limit = 500;

    /// <summary>
    /// Start-of-scan markers (FF DA). Entropy-coded data cannot contain them: an FF there is always
    /// followed by 00 (byte stuffing) or a restart marker, so counting the byte pair counts the scans.
    /// </summary>
    public static int Count(ReadOnlySpan<byte> jpeg)
    {
        ReadOnlySpan<byte> marker = [0xFF, 0xDA];
        int count = 0;
        for (int at = jpeg.IndexOf(marker); at >= 0 && count <= Limit; at = jpeg.IndexOf(marker))
        {
            count++;
            jpeg = jpeg[(at + 2)..];
        }

        return count;
    }
}
