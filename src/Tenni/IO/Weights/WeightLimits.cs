namespace Tenni.IO.Weights;

/// <summary>
/// Bounds on what a weight file may make Tenni read or allocate. Every size a file declares is checked
/// against these and against the bytes present before anything of that size is allocated, so a few
/// hostile bytes cannot cost gigabytes of memory or minutes of time.
/// </summary>
internal static class WeightLimits
{
    /// <summary>
    /// The most bytes one pickle (a checkpoint's <c>data.pkl</c>, or one of a legacy file's pickles) may
    /// hold: 64 MiB. A state dict's pickle names the tensors and their shapes only (ResNet-152's is
    /// about 100 KB); the data lives in storages beside it.
    /// </summary>
    public const long MaxPickleBytes = 64L << 20;

    /// <summary>
    /// The most objects one pickle may keep live at once on its stack and marks, in its memo and inside its lists
    /// and dicts: 524,288 (2^19). A state dict needs a few dozen per tensor; one-byte opcodes such as
    /// DUP could otherwise grow the machine without bound.
    /// </summary>
    public const int MaxPickleObjects = 1 << 19;

    /// <summary>
    /// How many bytes a compressed zip member may inflate to per compressed byte: 1032, the most that
    /// deflate can reach. A member declaring a larger uncompressed size than that is lying about its size.
    /// </summary>
    public const long MaxInflationRatio = 1032;

    /// <summary>Slack for <see cref="MaxInflationRatio"/>: tiny members carry fixed overheads (4 KiB).</summary>
    public const long InflationSlackBytes = 4096;

    /// <summary>
    /// Whether a zip member that stores <paramref name="compressed"/> bytes can really hold the
    /// <paramref name="declared"/> bytes it claims once inflated.
    /// </summary>
    public static bool IsPlausibleZipMember(long declared, long compressed) =>
        declared >= 0 && compressed >= 0 && declared <= (compressed * MaxInflationRatio) + InflationSlackBytes;
}
