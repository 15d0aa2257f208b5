using Tenni.Training;

namespace Tenni;

/// <summary>How every group's learning rate changes over training, as a factor of its base rate.</summary>
public enum LearningRateSchedule
{
    /// <summary>The chapter: fixed rates.</summary>
    Constant,

    /// <summary>Cosine annealing from the base rate to zero over all iterations.</summary>
    Cosine,

    /// <summary>fastai's one-cycle: warm up from base/25 to base over the first 25 %, then cosine down to base/1e4.</summary>
    OneCycle,
}

internal static class LearningRateScheduleExtensions
{
    public static double Factor(this LearningRateSchedule schedule, long iteration, long total)
    {
        double t = total <= 1 ? 1 : (double)iteration / (total - 1);
        switch (schedule)
        {
            case LearningRateSchedule.Cosine:
                return 0.5 * (1 + Math.Cos(Math.PI * t));
            case LearningRateSchedule.OneCycle:
                const double warm = 0.25;
                return t < warm
                    ? Interpolate(1.0 / 25, 1.0, t / warm)
                    : Interpolate(1.0, 1e-4, (t - warm) / (1 - warm));
            default:
                return 1;
        }
    }

    private static double Interpolate(double from, double to, double t) => to + ((from - to) * 0.5 * (1 + Math.Cos(Math.PI * t)));
}
