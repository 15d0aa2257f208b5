using System.Runtime.InteropServices;

namespace Tenni.Native;

/// <summary>
/// Machine code that .NET cannot emit itself, mapped as executable memory once per process (Linux x86-64).
/// Used for one loop: the bfloat16 convolution tile (<c>native/bf16-tile.S</c>), whose instruction
/// (VDPBF16PS) has no .NET intrinsic. The pages are written, then made read-and-execute before the first
/// call (never writable and executable at once), and stay mapped for the life of the process.
/// </summary>
internal static unsafe class ExecutableMemory
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;

    /// <summary>The code's first byte, executable; null where the platform or the OS refuses (then callers use another path).</summary>
    public static byte* Map(ReadOnlySpan<byte> code)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || code.IsEmpty)
        {
            return null;
        }

        nuint length = (nuint)code.Length;
        nint pages = MemoryMap(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (pages == -1 || pages == 0)
        {
            return null;
        }

        code.CopyTo(new Span<byte>((void*)pages, code.Length));
        if (Protect(pages, length, ProtRead | ProtExec) != 0)
        {
            _ = Unmap(pages, length);
            return null;
        }

        return (byte*)pages;
    }

    [DllImport("libc", EntryPoint = "mmap")]
    private static extern nint MemoryMap(nint address, nuint length, int protection, int flags, int descriptor, nint offset);

    [DllImport("libc", EntryPoint = "mprotect")]
    private static extern int Protect(nint address, nuint length, int protection);

    [DllImport("libc", EntryPoint = "munmap")]
    private static extern int Unmap(nint address, nuint length);
}
