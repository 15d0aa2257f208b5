using System.Security.Cryptography;

namespace Tenni.IO;

/// <summary>Where Tenni keeps per-user files, and file hashing: one place for both.</summary>
internal static class UserFiles
{
    /// <summary><c>$XDG_CACHE_HOME/tenni</c>, else <c>~/.cache/tenni</c>, else the temp folder's <c>tenni</c>.</summary>
    public static string CacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        // The XDG spec: a relative value is invalid and ignored (it would put the cache wherever Tenni runs).
        string root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(root, "tenni");
    }

    /// <summary>SHA-256 of a file's content, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        RegularFile.Require(path, "file", "expected a regular file");
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
