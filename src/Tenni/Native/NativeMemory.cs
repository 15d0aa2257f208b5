using System.Runtime.InteropServices;

namespace Tenni.Native;

/// <summary>
/// glibc's malloc settings for libtorch's tensors. Elsewhere than glibc this does nothing.
/// </summary>
/// <remarks>
/// Memory given back to the system is slow to get again on the project's machine (first touches cost
/// ≈ 5 ms per MB; the startup benchmark in docs/benchmarks.md), so freed memory is kept for the next
/// tensors rather than trimmed: after loading a model, its freed temporaries hold the first batch's activations.
/// </remarks>
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

    // mallopt parameters (malloc.h).
    private const int TrimThreshold = -1;
    private const int TopPad = -2;
    private const int MmapThreshold = -3;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
