using Tenni.IO;

namespace Tenni.Native;

/// <summary>
/// A folder that only the current user can write: created with mode 0700, and checked before use
/// (a real folder, not a link; owned by this user; no access for group or others). Native code is
/// loaded from such a folder only, so that no other user on the machine can plant a library there.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class PrivateFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates or checks <paramref name="path"/>; tightens the mode of a folder this user owns.</summary>
    /// <exception cref="IOException">The path is a link or a file, or belongs to another user.</exception>
    public static string Ensure(string path, uint owner)
    {
        Directory.CreateDirectory(path, OwnerOnly);
        var status = FileStatus.Of(path, followLinks: false);
        if (status.Kind != FileKind.Directory)
        {
            throw new IOException($"'{path}' is a {status.Kind}, not a folder; refusing to load native code through it");
        }

        // Owner null: no statx (kernel before 4.11); the folder was just made or already ours by mode.
        if (status.Owner is { } actual && actual != owner)
        {
            throw new IOException($"'{path}' belongs to user {actual}, not to user {owner}; refusing to load native code from it");
        }

        if ((File.GetUnixFileMode(path) & (UnixFileMode)0x3F) != 0)
        {
            // Ours, but others may write or read it (an older Tenni, a umask of 0): make it private.
            File.SetUnixFileMode(path, OwnerOnly);
        }

        return path;
    }
}
