namespace Tenni.Training;

/// <summary>
/// Draws from the Beta(α, α) distribution with a seeded <see cref="Random"/> (mixup's λ): X / (X + Y) for
/// X, Y ~ Gamma(α, 1), by Marsaglia and Tsang's method (2000), boosted for α &lt; 1 by U^(1/α).
/// </summary>
internal static class Beta
{
    public static double Sample(Random rng, double alpha)
    {
        double x = Gamma(rng, alpha);
        double y = Gamma(rng, alpha);
        return x + y == 0 ? 0.5 : x / (x + y); // both underflow only for tiny α: either end is as likely
    }

    private static double Gamma(Random rng, double alpha)
    {
        if (alpha < 1)
        {
            return Gamma(rng, alpha + 1) * Math.Pow(Uniform(rng), 1 / alpha);
        }

        double d = alpha - (1.0 / 3);
        double c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x = Normal(rng);
            double v = 1 + (c * x);
            if (v <= 0)
            {
                continue;
            }

            v = v * v * v;
            double u = Uniform(rng);
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    // In (0, 1]: never 0, whose logarithm or root would be degenerate.
    private static double Uniform(Random rng) => 1 - rng.NextDouble();

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(Uniform(rng))) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
