using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Tenni.IO;

namespace Tenni.Imaging;

/// <summary>
/// Reads an untrusted file's bytes: regular files only, at most a given number of bytes. The type is
/// checked before opening (a FIFO blocks in open(2), a device such as /dev/zero never ends) and again on
/// the opened descriptor, which on Linux is opened with O_NONBLOCK so that a FIFO swapped in between
/// the two checks cannot block either.
/// </summary>
internal static class ImageFileBytes
{
    private const int ORdOnly = 0;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;

    /// <summary>The file's bytes (the first <c>Length</c> of <c>Bytes</c>) or why they cannot be used.</summary>
    public static (byte[]? Bytes, int Length, ImageProblem? Problem) Read(string path, long maxBytes)
    {
        CheckLimit(maxBytes);
        var status = FileStatus.Of(path);
        if (status.Kind != FileKind.Regular)
        {
            return Fail(Describe(path, status.Kind));
        }

        if (status.Size > maxBytes)
        {
            return Fail(TooLarge(path, status.Size, maxBytes));
        }

        SafeFileHandle handle;
        try
        {
            handle = Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(new ImageProblem(ImageProblemKind.Unreadable, $"'{path}' cannot be read ({e.Message})"));
        }

        using (handle)
        {
            var opened = FileStatus.Of(handle);
            if (opened.Kind != FileKind.Regular)
            {
                return Fail(Describe(path, opened.Kind));
            }

            try
            {
                return ReadAtMost(handle, path, opened.Size, maxBytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                return Fail(new ImageProblem(ImageProblemKind.Unreadable, $"'{path}' cannot be read ({e.Message})"));
            }
        }
    }

    /// <summary>Throws <see cref="TenniException"/> for a limit no array can hold; callers check before starting parallel work.</summary>
    public static void CheckLimit(long maxBytes)
    {
        if (maxBytes is < 1 or > int.MaxValue - 64)
        {
            throw new TenniException($"the file-size limit (MaxFileBytes) must be between 1 byte and 2 GiB, got {maxBytes:N0}");
        }
    }

    /// <summary>The reason a path that is not a regular file is skipped (it is never opened).</summary>
    public static ImageProblem Describe(string path, FileKind kind) => kind switch
    {
        FileKind.Missing => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is null
            ? new ImageProblem(ImageProblemKind.Unreadable, $"'{path}' does not exist")
            : new ImageProblem(ImageProblemKind.Unreadable, $"'{path}' is a link to '{new FileInfo(path).LinkTarget}', which does not exist"),
        FileKind.Directory => new ImageProblem(ImageProblemKind.NotARegularFile, $"'{path}' is a folder, not an image file"),
        _ => new ImageProblem(ImageProblemKind.NotARegularFile, $"'{path}' is {RegularFile.Name(kind)}, not a regular file; not opened"),
    };

    private static ImageProblem TooLarge(string path, long size, long maxBytes) => new(
        ImageProblemKind.TooLarge,
        $"'{path}' is {(size > maxBytes ? $"{size:N0} bytes" : $"more than {maxBytes:N0} bytes")}, over the limit of {maxBytes:N0} bytes for one image file (to read larger files, raise ImageFolderOptions.MaxFileBytes, or pass --max-file-mb to tenni verify)");

    /// <summary>Opens for reading without blocking on a FIFO (O_NONBLOCK on Linux); the caller checks the type of what it got.</summary>
    internal static SafeFileHandle Open(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }

        int fd = Native.Open(path, ORdOnly | ONonBlock | OCloExec | ONoCtty);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string message = Marshal.GetPInvokeErrorMessage(errno);
            throw errno == 13 ? new UnauthorizedAccessException(message) : new IOException(message);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    // Reads the size fstat reported, then checks for more: a file that grew, or one whose size is not
    // known in advance (procfs says 0), is read on, but never past maxBytes + 1.
    private static (byte[]?, int, ImageProblem?) ReadAtMost(SafeFileHandle handle, string path, long size, long maxBytes)
    {
        byte[] buffer = new byte[size];
        int filled = Fill(handle, buffer, 0);
        if (filled < buffer.Length)
        {
            return (buffer, filled, null); // shrank since fstat
        }

        Span<byte> probe = stackalloc byte[1];
        if (RandomAccess.Read(handle, probe, filled) == 0)
        {
            return (buffer, filled, null);
        }

        while (true)
        {
            if (buffer.Length > maxBytes)
            {
                return Fail(TooLarge(path, -1, maxBytes));
            }

            Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, Math.Max(64 * 1024, (long)buffer.Length * 2)));
            int more = Fill(handle, buffer, filled);
            if (filled + more < buffer.Length)
            {
                return (buffer, filled + more, null);
            }

            filled += more;
        }
    }

    private static int Fill(SafeFileHandle handle, byte[] buffer, int start)
    {
        int filled = start;
        while (filled < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer.AsSpan(filled), filled);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled - start;
    }

    private static (byte[]?, int, ImageProblem?) Fail(ImageProblem problem) => (null, 0, problem);

    private static class Native
    {
        // open(2) is variadic; without O_CREAT the mode argument is not read, so two fixed arguments are correct.
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    }
}
