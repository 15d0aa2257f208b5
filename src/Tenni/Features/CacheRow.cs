using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Tenni.Features;

/// <summary>
/// One cached activation row on disk: its float32 values (little-endian, as the machine holds them)
/// followed by the 64-bit XxHash64 of those bytes, so a row damaged on disk is found and recomputed
/// instead of trained on.
/// </summary>
internal static class CacheRow
{
    private const int ChecksumBytes = 8;

    public static long FileBytes(int length) => (length * 4L) + ChecksumBytes;

    public static void Write(string path, ReadOnlySpan<float> values)
    {
        byte[] bytes = new byte[FileBytes(values.Length)];
        MemoryMarshal.AsBytes(values).CopyTo(bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - ChecksumBytes), XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - ChecksumBytes)));
        IO.AtomicFile.Write(path, s => s.Write(bytes), durable: false); // the checksum finds a row a crash damaged
    }

    /// <summary>
    /// Reads a row into <paramref name="destination"/>; false when the file is missing, has the wrong
    /// size, fails its checksum or holds a value that is not finite (frozen features of a real image never are).
    /// </summary>
    public static bool TryRead(string path, Span<float> destination)
    {
        try
        {
            // The size first, without opening: a pipe or device in the cache would block the open.
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != FileBytes(destination.Length))
            {
                return false;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            if (stream.Length != FileBytes(destination.Length))
            {
                return false;
            }

            Span<byte> values = MemoryMarshal.AsBytes(destination);
            Span<byte> checksum = stackalloc byte[ChecksumBytes];
            stream.ReadExactly(values);
            stream.ReadExactly(checksum);
            return BinaryPrimitives.ReadUInt64LittleEndian(checksum) == XxHash64.HashToUInt64(values)
                && AllFinite(destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
