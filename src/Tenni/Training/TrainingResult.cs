using Tenni.Training;

namespace Tenni;

/// <summary>What a training run produced; <paramref name="Head"/> says how the head was fitted when not by the chapter's recipe.</summary>
public sealed record TrainingResult(string RunFolder, double BestAccuracy, int BestEpoch, int EpochsDone, string LogPath, bool Cached, double Seconds, HeadTraining? Head = null)
{
    /// <summary>A multi-label run's scores on the validation photos, with the threshold its model uses; null for single-label runs.</summary>
    public MultiLabelEvaluation? MultiLabel { get; init; }
}
