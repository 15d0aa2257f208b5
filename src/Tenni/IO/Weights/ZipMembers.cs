using System.IO.Compression;

namespace Tenni.IO.Weights;

/// <summary>Reading zip members (of .pth and .npz files) whose declared sizes are claims to check, not facts.</summary>
internal static class ZipMembers
{
    /// <summary>A zip member's bytes, after checking that its declared size is plausible and within <paramref name="limit"/>.</summary>
    public static MemoryStream ReadBounded(ZipArchiveEntry entry, long limit, string what)
    {
        CheckDeclaredSize(entry);
        if (entry.Length > limit)
        {
            throw new FormatException($"{what} {entry.FullName} declares {entry.Length} bytes; at most {limit} are read");
        }

        // The declared size is a claim: read one byte more than it to see whether the data runs past it.
        var buffer = new MemoryStream((int)entry.Length);
        using (var stream = entry.Open())
        {
            var chunk = new byte[1 << 16];
            long left = entry.Length + 1;
            for (int n; left > 0 && (n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, left))) > 0; left -= n)
            {
                buffer.Write(chunk, 0, n);
            }
        }

        if (buffer.Length != entry.Length)
        {
            throw new FormatException($"{what} {entry.FullName} declares {entry.Length} bytes but holds {(buffer.Length > entry.Length ? "more" : buffer.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        buffer.Position = 0;
        return buffer;
    }

    /// <summary>Fails when a member claims more bytes than its compressed data could inflate to.</summary>
    public static void CheckDeclaredSize(ZipArchiveEntry entry)
    {
        if (!WeightLimits.IsPlausibleZipMember(entry.Length, entry.CompressedLength))
        {
            throw new FormatException(
                $"zip member {entry.FullName} declares {entry.Length} bytes from {entry.CompressedLength} compressed, more than deflate can produce ({WeightLimits.MaxInflationRatio}:1)");
        }
    }
}

/// <summary>A zip archive opened again on first use, to read members whose values were deferred, and kept open until disposed.</summary>
internal sealed class ReopenedZip(string path) : IDisposable
{
    private ZipArchive? _archive;

    public ZipArchiveEntry Entry(string member) =>
        (_archive ??= ZipFile.OpenRead(path)).GetEntry(member) ?? throw new FormatException($"zip member {member} is missing");

    public void Dispose()
    {
        _archive?.Dispose();
        _archive = null;
    }
}
