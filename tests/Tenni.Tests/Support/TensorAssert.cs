namespace Tenni.Tests.Support;

internal static class TensorAssert
{
    /// <summary>Asserts |actual - expected| ≤ atol + rtol·|expected| element-wise; returns the max abs difference.</summary>
    public static double AllClose(float[] expected, float[] actual, double atol, double rtol = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)expected[i] - actual[i]);
            worst = Math.Max(worst, diff);
            if (!(diff <= atol + (rtol * Math.Abs(expected[i]))))
            {
                Assert.Fail($"element {i}: expected {expected[i]}, got {actual[i]} (|diff| {diff:G4} > atol {atol} + rtol {rtol}·|expected|)");
            }
        }

        return worst;
    }

    /// <summary>Asserts max |actual − expected| ≤ <paramref name="fraction"/> × max |expected| (a whole tensor's tolerance) and that every value is finite.</summary>
    public static void WithinScale(float[] expected, float[] actual, double fraction, string label)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-6, expected.Max(v => Math.Abs(v)));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= fraction * scale, $"{label}: max |diff| {worst:G3} > {fraction:G2} × {scale:G3}");
        Assert.All(actual, v => Assert.True(float.IsFinite(v), $"{label}: non-finite value"));
    }
}
