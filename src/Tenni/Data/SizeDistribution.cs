namespace Tenni.Data;

/// <summary>Smallest, median and largest of a set of sizes.</summary>
public sealed record ValueRange(int Min, int Median, int Max);

/// <summary>Pixel sizes of the readable images: width and height ranges, and a histogram of the shorter side.</summary>
public sealed record SizeDistribution(ValueRange Width, ValueRange Height, IReadOnlyDictionary<string, int> ShorterSide)
{
    private static readonly (string Name, int Below)[] Buckets = [("<64", 64), ("64-223", 224), ("224-511", 512), ("512-1023", 1024), (">=1024", int.MaxValue)];

    internal static SizeDistribution Of(IReadOnlyList<ImageSample> samples)
    {
        ValueRange Of(IEnumerable<int> values)
        {
            int[] sorted = values.Order().ToArray();
            return sorted.Length == 0 ? new ValueRange(0, 0, 0) : new ValueRange(sorted[0], sorted[sorted.Length / 2], sorted[^1]);
        }

        var histogram = Buckets.ToDictionary(b => b.Name, _ => 0);
        foreach (var s in samples)
        {
            int shorter = Math.Min(s.Width, s.Height);
            histogram[Buckets.First(b => shorter < b.Below).Name]++;
        }

        return new SizeDistribution(Of(samples.Select(s => s.Width)), Of(samples.Select(s => s.Height)), histogram);
    }
}
