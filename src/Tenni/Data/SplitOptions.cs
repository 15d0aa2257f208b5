using Tenni.Data;

namespace Tenni;

/// <summary>How <see cref="DatasetSplit.Random"/> divides a dataset.</summary>
public sealed record SplitOptions
{
    /// <summary>Share of images for training (the chapter's 0.7).</summary>
    public double TrainFraction { get; init; } = 0.7;

    /// <summary>The chapter's <c>seed=1</c>.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// <see cref="SplitMethod.Stratified"/> (the default: with small or unbalanced data a plain random
    /// split can leave a class nearly absent from validation), <see cref="SplitMethod.Random"/> (one random
    /// split over all images) or <see cref="SplitMethod.Chainer"/> (the chapter's split, reproduced exactly).
    /// </summary>
    public SplitMethod Method { get; init; } = SplitMethod.Stratified;
}
