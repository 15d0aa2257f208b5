namespace Tenni.IO;

/// <summary>What makes two paths the same file: device and inode (two links to one folder share it).</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    // Without statx: the full path after resolving links, hashed (a 64-bit collision is negligible here).
    public static FileIdentity OfPath(string fullPath)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in fullPath)
        {
            hash = unchecked((hash ^ c) * 1099511628211UL);
        }

        return new FileIdentity(ulong.MaxValue, hash);
    }
}
