using Tenni.Training;

namespace Tenni;

/// <summary>What a training run produced.</summary>
public sealed record TrainingResult(string RunFolder, double BestAccuracy, int BestEpoch, int EpochsDone, string LogPath, bool Cached, double Seconds);
