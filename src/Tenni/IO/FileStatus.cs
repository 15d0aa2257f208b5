using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Tenni.IO;

/// <summary>
/// A file's type, identity (device and inode) and size, from <c>statx(2)</c> on Linux. .NET exposes
/// neither the file type of a FIFO or device (it looks like an ordinary file) nor the inode, and both
/// are needed: a FIFO blocks forever when opened and a device such as <c>/dev/zero</c> never ends,
/// and folder loops are found by identity. statx is used because its layout is the same on every
/// architecture (struct stat is not). Elsewhere the managed fallback knows files and folders only.
/// </summary>
/// <param name="Owner">The owner's user id; null where only the managed fallback could look.</param>
/// <param name="Mode">The permission bits (0 where unknown).</param>
internal readonly record struct FileStatus(FileKind Kind, FileIdentity Identity, long Size, uint? Owner = null, int Mode = 0)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    private static bool _statxMissing = !OperatingSystem.IsLinux();

    public static FileStatus Missing { get; } = new(FileKind.Missing, default, 0);

    /// <summary>The status of <paramref name="path"/>, following symbolic links unless <paramref name="followLinks"/> is false.</summary>
    public static FileStatus Of(string path, bool followLinks = true)
    {
        if (!_statxMissing && TryStatx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, out var status))
        {
            return status;
        }

        return Managed(path, followLinks);
    }

    /// <summary>The status of an open file (<c>fstat</c>): what was opened, whatever the path names now.</summary>
    public static FileStatus Of(SafeFileHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (!_statxMissing && TryStatx((int)handle.DangerousGetHandle(), "", AtEmptyPath, out var status))
            {
                return status;
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return new FileStatus(FileKind.Regular, default, RandomAccess.GetLength(handle));
    }

    private static bool TryStatx(int dirFd, string path, int flags, out FileStatus status)
    {
        byte[] buffer = new byte[256];
        int result;
        try
        {
            result = Native.Statx(dirFd, path, flags, StatxBasicStats, buffer);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _statxMissing = true; // glibc before 2.28 or musl before 1.2.5
            status = default;
            return false;
        }

        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is 38 or 1)
            {
                _statxMissing = true; // ENOSYS (kernel before 4.11) or EPERM (an old container seccomp profile)
                status = default;
                return false;
            }

            status = Missing;
            return true;
        }

        // struct statx: stx_uid (u32) at 20, stx_mode (u16) at 28, stx_ino (u64) at 32, stx_size (u64) at 40, stx_dev_major/minor (u32) at 136/140.
        int mode = BitConverter.ToUInt16(buffer, 28);
        ulong inode = BitConverter.ToUInt64(buffer, 32);
        long size = (long)BitConverter.ToUInt64(buffer, 40);
        ulong device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        uint owner = BitConverter.ToUInt32(buffer, 20); // stx_uid
        status = new FileStatus(KindOf(mode), new FileIdentity(device, inode), size, owner, mode & 0xFFF);
        return true;
    }

    private static FileKind KindOf(int mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.SymbolicLink,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.Unknown,
    };

    // Without statx: files and folders only, identity from the path with its links resolved.
    private static FileStatus Managed(string path, bool followLinks)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            return Missing;
        }

        if (info.LinkTarget is not null)
        {
            if (!followLinks)
            {
                return new FileStatus(FileKind.SymbolicLink, FileIdentity.OfPath(info.FullName), 0);
            }

            info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            if (!info.Exists)
            {
                return Missing;
            }
        }

        return info is DirectoryInfo
            ? new FileStatus(FileKind.Directory, FileIdentity.OfPath(info.FullName), 0)
            : new FileStatus(FileKind.Regular, FileIdentity.OfPath(info.FullName), ((FileInfo)info).Length);
    }

    /// <summary>The effective user id of this process (Linux).</summary>
    public static uint CurrentUser() => Native.GetEuid();

    private static class Native
    {
        [DllImport("libc", EntryPoint = "geteuid")]
        public static extern uint GetEuid();

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        public static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
    }
}
