namespace Tenni.Data;

/// <summary>
/// The loader's random streams, each a pure function of (seed, epoch, position), so shuffling and
/// augmentation repeat exactly whatever the thread timing, and <c>tenni show --augment</c> can draw
/// the very pictures training draws.
/// </summary>
internal static class LoaderRandom
{
    /// <summary>The stream that shuffles an epoch's order.</summary>
    public static Random ForShuffle(int seed, int epoch) => new(Mix(seed, epoch, -1));

    /// <summary>The stream that augments the image at <paramref name="position"/> of an epoch's order.</summary>
    public static Random ForImage(int seed, int epoch, int position) => new(Mix(seed, epoch, position));

    // A fixed 64-bit mix (HashCode.Combine is randomised per process; this is stable across runs).
    private static int Mix(int seed, int epoch, int position)
    {
        unchecked
        {
            ulong x = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)epoch * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)(uint)position * 0x165667B19E3779F9UL);
            x ^= x >> 33;
            x *= 0xFF51AFD7ED558CCDUL;
            x ^= x >> 33;
            return (int)(x & 0x7FFFFFFF);
        }
    }
}
