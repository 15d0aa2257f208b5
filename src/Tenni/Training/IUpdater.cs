namespace Tenni.Training;

/// <summary>
/// Chainer's updater: one <see cref="Update"/> is one iteration (a batch, forward, backward, step) that
/// reports its values into the observation. The trainer only needs this, so it can be driven by a fake one.
/// Its position and optimizer state are saved in snapshots (<see cref="ISnapshotState"/>).
/// </summary>
public interface IUpdater : ISnapshotState
{
    /// <summary>Completed epochs.</summary>
    int Epoch { get; }

    /// <summary>Completed iterations.</summary>
    long Iteration { get; }

    /// <summary>True right after the last iteration of an epoch.</summary>
    bool IsNewEpoch { get; }

    int IterationsPerEpoch { get; }

    void Update(IDictionary<string, double> observation);
}
