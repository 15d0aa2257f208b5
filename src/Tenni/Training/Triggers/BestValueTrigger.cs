using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Training;

/// <summary>
/// Chainer's <c>BestValueTrigger</c>: averages the observed <see cref="Key"/> over each interval and fires
/// when that mean is better than every earlier one (ties keep the earlier; a missing or NaN value never fires).
/// </summary>
public abstract class BestValueTrigger(string key, IntervalTrigger? interval) : ITrigger, ISnapshotState
{
    private double _sum;
    private int _count;

    public string Key { get; } = key;

    public IntervalTrigger Interval { get; } = interval ?? IntervalTrigger.Epochs(1);

    /// <summary>The best mean so far; NaN before the first.</summary>
    public double Best { get; private set; } = double.NaN;

    public bool Fires(Trainer trainer)
    {
        if (trainer.Observation.TryGetValue(Key, out double value))
        {
            _sum += value;
            _count++;
        }

        if (!Interval.Fires(trainer))
        {
            return false;
        }

        double mean = _count == 0 ? double.NaN : _sum / _count;
        (_sum, _count) = (0, 0);
        if (double.IsNaN(mean) || !(double.IsNaN(Best) || IsBetter(mean, Best)))
        {
            return false;
        }

        Best = mean;
        return true;
    }

    protected abstract bool IsBetter(double value, double best);

    public JsonObject Save(string folder) => new() { ["best"] = double.IsFinite(Best) ? Best : null };

    public void Restore(JsonObject state, string folder) =>
        Best = JsonFields.Wrap(state, Path.Combine(folder, Extensions.SnapshotFiles.State)).OptionalDouble("best", double.MinValue, double.MaxValue) ?? double.NaN;
}

/// <summary>Fires when the interval's mean of <c>key</c> is the largest so far (e.g. validation accuracy).</summary>
public sealed class MaxValueTrigger(string key, IntervalTrigger? interval = null) : BestValueTrigger(key, interval)
{
    protected override bool IsBetter(double value, double best) => value > best;
}

/// <summary>Fires when the interval's mean of <c>key</c> is the smallest so far (e.g. validation loss).</summary>
public sealed class MinValueTrigger(string key, IntervalTrigger? interval = null) : BestValueTrigger(key, interval)
{
    protected override bool IsBetter(double value, double best) => value < best;
}
