namespace Tenni.Tests.Support;

/// <summary>What torch.onnx.export does to conv → BatchNorm in eval mode: one convolution with the BN folded in.</summary>
internal static class TorchBatchNorm
{
    /// <summary>W' = W · γ / √(σ² + ε) per output channel; b' = β − μ · γ / √(σ² + ε).</summary>
    public static (long[] Shape, float[] Values) Fold(IReadOnlyDictionary<string, (long[] Shape, float[] Values)> w, string convWeight, string bn, float epsilon, out float[] bias)
    {
        var (shape, values) = w[convWeight];
        float[] gamma = w[$"{bn}.weight"].Values, beta = w[$"{bn}.bias"].Values;
        float[] mean = w[$"{bn}.running_mean"].Values, variance = w[$"{bn}.running_var"].Values;
        long perChannel = values.Length / shape[0];
        float[] folded = new float[values.Length];
        bias = new float[shape[0]];
        for (int c = 0; c < shape[0]; c++)
        {
            double scale = gamma[c] / Math.Sqrt(variance[c] + (double)epsilon);
            for (long i = 0; i < perChannel; i++)
            {
                folded[(c * perChannel) + i] = (float)(values[(c * perChannel) + i] * scale);
            }

            bias[c] = (float)(beta[c] - (mean[c] * scale));
        }

        return (shape, folded);
    }
}
