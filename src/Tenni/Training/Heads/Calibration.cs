using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017): one factor s for
/// the logits, chosen to minimise the cross-entropy of held-out predictions. It never changes which
/// class wins, only how sure the model says it is; a strongly regularised head (the strength that
/// classifies best on few photos) otherwise reports a tenth where it is right two times in three.
/// s multiplies the head's weight and bias, so the exported and served model carry it with no extra node.
/// </summary>
internal static class Calibration
{
    /// <summary>Bounds of the factor: beyond them a handful of held-out photos says nothing reliable.</summary>
    public const double MinScale = 0.01;

    public const double MaxScale = 100;

    /// <summary>
    /// The targets' label smoothing: when every held-out photo is right, the unsmoothed loss keeps falling
    /// as s grows and would make the model sure of everything; against targets of 99 % (plus 1 % spread
    /// over all classes) the best s is finite, and a model right two times in three is hardly moved.
    /// </summary>
    public const double Smoothing = 0.01;

    /// <summary>The factor s minimising mean cross-entropy(s · logits) against the labels smoothed by <see cref="Smoothing"/>, searched on log s (the loss is convex in s).</summary>
    public static double Scale(Tensor logits, Tensor labels)
    {
        // The search evaluates the loss 62 times on a few hundred rows: in managed code, not as libtorch
        // calls (36 ms per search, a fifth of an L-BFGS head's time over 11 strengths, went to call overhead).
        double[] z;
        long[] y;
        using (var values = logits.detach().cpu().to_type(ScalarType.Float64).contiguous())
        using (var targets = labels.cpu().to_type(ScalarType.Int64).contiguous())
        {
            z = values.data<double>().ToArray();
            y = targets.data<long>().ToArray();
        }

        int classes = y.Length == 0 ? 1 : z.Length / y.Length;
        double Loss(double logScale) => SmoothedCrossEntropy(z, y, classes, Math.Exp(logScale));

        // Golden-section search: 60 steps shrink the bracket by 0.618^60 ≈ 3e-13 of its width.
        double low = Math.Log(MinScale), high = Math.Log(MaxScale);
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double a = high - (ratio * (high - low)), b = low + (ratio * (high - low));
        double fa = Loss(a), fb = Loss(b);
        for (int step = 0; step < 60; step++)
        {
            if (fa <= fb)
            {
                (high, b, fb) = (b, a, fa);
                a = high - (ratio * (high - low));
                fa = Loss(a);
            }
            else
            {
                (low, a, fa) = (a, b, fb);
                b = low + (ratio * (high - low));
                fb = Loss(b);
            }
        }

        return Math.Exp((low + high) / 2);
    }

    // torch's cross_entropy(scale · z, y, label_smoothing: Smoothing), mean over rows:
    // −(1 − ε)·log p_y − (ε / C)·Σ_c log p_c, with log p = scale·z − logsumexp(scale·z).
    internal static double SmoothedCrossEntropy(double[] z, long[] y, int classes, double scale)
    {
        double total = 0;
        for (int row = 0; row < y.Length; row++)
        {
            var logits = z.AsSpan(row * classes, classes);
            double max = double.NegativeInfinity;
            foreach (double v in logits)
            {
                max = Math.Max(max, v * scale);
            }

            double sum = 0, all = 0;
            foreach (double v in logits)
            {
                sum += Math.Exp((v * scale) - max);
                all += v * scale;
            }

            double logSum = max + Math.Log(sum);
            total += -((1 - Smoothing) * ((logits[(int)y[row]] * scale) - logSum)) - (Smoothing / classes * (all - (classes * logSum)));
        }

        return total / Math.Max(1, y.Length);
    }
}
