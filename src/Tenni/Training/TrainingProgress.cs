namespace Tenni.Training;

/// <summary>Where training stands, reported after each iteration to a live display (<see cref="Extensions.ProgressReport"/>).</summary>
public readonly record struct TrainingProgress(int Epoch, int Epochs, long Iteration, long Iterations, int IterationsPerEpoch, double Seconds);
