using System.Diagnostics;

namespace Tenni.Tests.Hardening;

/// <summary>
/// Seeded damage for reader fuzz tests: a valid file truncated at sampled offsets and with single
/// bytes flipped at sampled positions; each variant must load with the same meaning or fail with a
/// <see cref="TenniException"/>, within a time bound.
/// </summary>
internal static class Mutations
{
    /// <summary>Truncations (every offset for short files, else a sample that includes 0 and the last) and single-byte flips.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Of(byte[] valid, int seed, int truncations = 120, int flips = 400)
    {
        var random = new Random(seed);
        var offsets = valid.Length <= truncations
            ? Enumerable.Range(0, valid.Length)
            : Enumerable.Range(0, truncations - 2).Select(_ => random.Next(1, valid.Length - 1)).Append(0).Append(valid.Length - 1).Distinct();
        foreach (int offset in offsets.Order())
        {
            yield return ($"truncated at {offset}", valid[..offset]);
        }

        for (int i = 0; i < flips; i++)
        {
            int position = random.Next(valid.Length);
            byte mask = (byte)random.Next(1, 256);
            byte[] flipped = (byte[])valid.Clone();
            flipped[position] ^= mask;
            yield return ($"byte {position} xor 0x{mask:x2}", flipped);
        }
    }

    /// <summary>
    /// Runs <paramref name="load"/> on every variant: it must return a value equal to
    /// <paramref name="expected"/> or throw a <see cref="TenniException"/>; anything else, or a variant
    /// slower than <paramref name="perVariant"/>, fails with the variant named. Returns how many loaded.
    /// </summary>
    public static int AssertLoadsSameOrRefuses<T>(byte[] valid, int seed, Action<byte[]> write, Func<T> load, T expected, TimeSpan perVariant, IEqualityComparer<T>? comparer = null)
    {
        comparer ??= EqualityComparer<T>.Default;
        int loaded = 0;
        foreach (var (name, bytes) in Of(valid, seed))
        {
            write(bytes);
            var clock = Stopwatch.StartNew();
            try
            {
                T value = load();
                Assert.True(comparer.Equals(expected, value), $"{name}: loaded with a different meaning");
                loaded++;
            }
            catch (TenniException)
            {
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{name}: {e.GetType().Name} instead of a TenniException: {e.Message}");
            }

            Assert.True(clock.Elapsed < perVariant, $"{name}: took {clock.Elapsed.TotalMilliseconds:F0} ms");
        }

        return loaded;
    }
}
