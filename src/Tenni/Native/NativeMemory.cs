using System.Runtime.InteropServices;

namespace Tenni.Native;

/// <summary>
/// Gives freed native memory back to the operating system. libtorch allocates tensors with the C
/// library's malloc; once glibc has raised its mmap threshold (it does after the first large free), freed
/// weight-sized blocks stay in the process's heap and keep counting as resident memory. After the few
/// steps that free hundreds of megabytes at once (loading a model, building its frozen copy), a trim
/// returns them. Elsewhere than glibc this does nothing.
/// </summary>
internal static class NativeMemory
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    public static void Trim()
    {
        if (_unavailable)
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true; // musl and others have no malloc_trim
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
