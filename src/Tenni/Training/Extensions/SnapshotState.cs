namespace Tenni.Training.Extensions;

/// <summary>A snapshot's <c>state.json</c>, read and range-checked by <see cref="SnapshotFiles.Open"/>.</summary>
internal sealed record SnapshotState(
    int Epoch,
    long Iteration,
    double ElapsedTime,
    double? BestAccuracy,
    int BestEpoch,
    string Optimizer,
    List<Dictionary<string, double>> Log);
