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

    /// <summary>
    /// Keeps freed tensor memory in the process for the next batch. glibc's defaults return large blocks to
    /// the system on free (mmap'd, or trimmed off the heap's top), so every forward pass faults in and zeroes
    /// its activations afresh: measured 3.5× slower over the 13 batches of PetImages-mini (2.4 s against 8.5 s
    /// for the same frozen ResNet18, docs/benchmarks.md). These are the values of that measurement.
    /// </summary>
    public static void KeepFreedMemory()
    {
        if (_unavailable)
        {
            return;
        }

        try
        {
            _ = MallOpt(TrimThreshold, 1 << 30);
            _ = MallOpt(TopPad, 1 << 29);
            _ = MallOpt(MmapThreshold, 1 << 30);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

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

    // mallopt parameters (malloc.h).
    private const int TrimThreshold = -1;
    private const int TopPad = -2;
    private const int MmapThreshold = -3;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
