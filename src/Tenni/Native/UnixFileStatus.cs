using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Tenni.Native;

/// <summary>What kind of file-system entry a path names, as <c>lstat</c>/<c>stat</c> tell it.</summary>
internal enum UnixFileKind
{
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Unknown,
}

/// <summary>
/// The owner, mode, kind and identity (device and inode) of a path on Linux, read with <c>statx(2)</c>.
/// .NET exposes the mode but neither the owner nor the inode; <c>statx</c> is used because its buffer
/// has one layout on every architecture, unlike <c>struct stat</c>.
/// </summary>
internal readonly record struct UnixFileStatus(UnixFileKind Kind, uint Owner, int Mode, ulong Device, ulong Inode, long Size)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>The status of <paramref name="path"/> itself (a link is described, not followed) or of what it leads to.</summary>
    /// <returns>Null when the path does not exist or cannot be examined.</returns>
    public static UnixFileStatus? Of(string path, bool followLinks)
    {
        byte[] buffer = new byte[256];
        if (Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            return null;
        }

        int mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        ulong device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(136)) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(140));
        return new UnixFileStatus(
            KindOf(mode),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)),
            mode & 0xFFF,
            device,
            BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32)),
            BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(40)));
    }

    /// <summary>The effective user id of this process.</summary>
    public static uint CurrentUser() => GetEuid();

    private static UnixFileKind KindOf(int mode) => (mode & 0xF000) switch
    {
        0x8000 => UnixFileKind.Regular,
        0x4000 => UnixFileKind.Directory,
        0xA000 => UnixFileKind.SymbolicLink,
        0x1000 => UnixFileKind.Fifo,
        0xC000 => UnixFileKind.Socket,
        0x2000 => UnixFileKind.CharacterDevice,
        0x6000 => UnixFileKind.BlockDevice,
        _ => UnixFileKind.Unknown,
    };

#pragma warning disable SYSLIB1054 // DllImport keeps the project free of unsafe code; these calls are not hot.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [In, Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
#pragma warning restore SYSLIB1054
}
