using System.Security.Cryptography;

namespace Tenni.Native;

/// <summary>
/// Where the patched copy of TorchSharp's glue lives, and the checks that make loading it safe: every
/// folder on the way is private to the user (<see cref="PrivateFolder"/>), an existing copy is loaded
/// only if its bytes hash to what the patcher writes now (anything else is rewritten atomically), and
/// the links to libtorch's own libraries are checked to point where they should.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class PatchedGlueCache
{
    /// <summary>Places <paramref name="patched"/> under <paramref name="root"/>/native and returns the path to load.</summary>
    /// <exception cref="IOException">The folder cannot be written or is not private to <paramref name="owner"/>.</exception>
    public static string Install(string original, byte[] patched, string root, uint owner)
    {
        string originalFolder = Path.GetDirectoryName(Path.GetFullPath(original))!;

        // Keyed by content and by the folder it came from, so the sibling links always point at live files.
        byte[] patchedHash = SHA256.HashData(patched);
        byte[] key = [.. patchedHash, .. System.Text.Encoding.UTF8.GetBytes(originalFolder)];
        string name = Convert.ToHexString(SHA256.HashData(key))[..16].ToLowerInvariant();
        PrivateFolder.Ensure(root, owner);
        string folder = PrivateFolder.Ensure(Path.Combine(PrivateFolder.Ensure(Path.Combine(root, "native"), owner), name), owner);

        foreach (string sibling in Directory.EnumerateFiles(originalFolder, "*.so*"))
        {
            if (Path.GetFileName(sibling) != Path.GetFileName(original))
            {
                EnsureLink(Path.Combine(folder, Path.GetFileName(sibling)), sibling);
            }
        }

        string target = Path.Combine(folder, Path.GetFileName(original));
        if (!HoldsExactly(target, patchedHash, owner))
        {
            string temp = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temp, patched);
            File.Move(temp, target, overwrite: true);
        }

        return target;
    }

    /// <summary>True when <paramref name="path"/> is a regular file of ours whose SHA-256 is <paramref name="hash"/>.</summary>
    internal static bool HoldsExactly(string path, byte[] hash, uint owner)
    {
        var status = IO.FileStatus.Of(path, followLinks: false);
        if (status.Kind != IO.FileKind.Regular || status.Owner is { } actual && actual != owner)
        {
            return false;
        }

        using var stream = File.OpenRead(path);
        return SHA256.HashData(stream).AsSpan().SequenceEqual(hash);
    }

    private static void EnsureLink(string link, string target)
    {
        var info = new FileInfo(link);
        if (info.LinkTarget == target)
        {
            return;
        }

        // Missing, stale or not a link at all: replace it in one rename, so a reader never sees no link.
        string temp = $"{link}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.CreateSymbolicLink(temp, target);
        File.Move(temp, link, overwrite: true);
    }
}
