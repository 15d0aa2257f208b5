namespace Tenni.Training;

/// <summary>Chainer's <c>IntervalTrigger</c>: fires every <see cref="Period"/> epochs (at the epoch's end) or iterations.</summary>
public sealed record IntervalTrigger : ITrigger
{
    private IntervalTrigger(long period, TriggerUnit unit)
    {
        if (period < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "a trigger's period is at least 1");
        }

        Period = period;
        Unit = unit;
    }

    public long Period { get; }

    public TriggerUnit Unit { get; }

    public static IntervalTrigger Epochs(int period) => new(period, TriggerUnit.Epoch);

    public static IntervalTrigger Iterations(long period) => new(period, TriggerUnit.Iteration);

    public bool Fires(Trainer trainer) => Fires(trainer.Updater);

    internal bool Fires(IUpdater updater) => Unit == TriggerUnit.Epoch
        ? updater.IsNewEpoch && updater.Epoch % Period == 0
        : updater.Iteration % Period == 0;

    /// <summary>As a stop trigger: whether training has gone this far (also true right after resuming there).</summary>
    internal bool Reached(IUpdater updater) => Unit == TriggerUnit.Epoch ? updater.Epoch >= Period : updater.Iteration >= Period;

    /// <summary>Iterations until this trigger first fires, for an updater with <paramref name="iterationsPerEpoch"/>.</summary>
    internal long Iterations(int iterationsPerEpoch) => Unit == TriggerUnit.Epoch ? Period * iterationsPerEpoch : Period;

    public override string ToString() => $"every {Period} {(Unit == TriggerUnit.Epoch ? "epoch" : "iteration")}{(Period == 1 ? "" : "s")}";
}

public enum TriggerUnit
{
    Epoch,
    Iteration,
}
