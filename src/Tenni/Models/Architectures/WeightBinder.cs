namespace Tenni.Models.Architectures;

/// <summary>
/// Supplies an architecture builder with the values of each weight it declares, by the key the weight
/// has in its family's files (<c>conv1_1/W</c>, <c>features.0.weight</c>) and the shape it must have.
/// </summary>
internal abstract class WeightBinder
{
    /// <summary>The values of <paramref name="key"/>, which must have <paramref name="shape"/>; <paramref name="layer"/> names it in errors.</summary>
    public abstract float[] Take(string key, long[] shape, string layer);
}

/// <summary>Random weights with magnitudes that keep activations finite through deep networks (tests and benchmarks).</summary>
internal sealed class RandomWeightBinder(int seed) : WeightBinder
{
    private readonly Random _random = new(seed);

    /// <summary>Every array handed out, in order, under its family key (to be written as a weight file).</summary>
    public List<(string Name, long[] Shape, float[] Values)> Arrays { get; } = [];

    public override float[] Take(string key, long[] shape, string layer)
    {
        long count = shape.Aggregate(1L, (p, d) => p * d);
        long fanIn = shape.Length > 1 ? count / shape[0] : 1;
        float[] values = new float[count];
        string role = key.Split('/', '.')[^1];
        for (long i = 0; i < count; i++)
        {
            double u = _random.NextDouble();
            values[i] = role switch
            {
                "avg_var" or "running_var" => (float)(0.5 + u),
                "gamma" or "weight" when shape.Length == 1 => (float)(0.2 + (0.3 * u)),
                _ when shape.Length == 1 => (float)((u - 0.5) * 0.2),

                // Uniform with variance 2 / fan-in (He), so deep stacks neither vanish nor explode.
                _ => (float)((u - 0.5) * Math.Sqrt(24.0 / fanIn)),
            };
        }

        Arrays.Add((key, shape, values));
        return values;
    }
}
