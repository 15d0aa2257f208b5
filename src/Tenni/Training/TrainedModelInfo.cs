using Tenni.Imaging;
using Tenni.Models;

namespace Tenni.Training;

/// <summary>
/// What <c>model.json</c> says, read and verified by <see cref="TrainedModelDescription.Read"/>: every
/// field that changes predictions is covered by its integrity checksum, and <see cref="WeightsPath"/>
/// is a file inside the model's folder whose SHA-256 matched.
/// </summary>
internal sealed record TrainedModelInfo(
    string SourceModel,
    string SourceSha256,
    string? SourceWeights,
    WeightFamily? SourcePreprocessing,
    string Layer,
    IReadOnlyList<string> Classes,
    long[] HeadShape,
    string PreprocessingKind,
    int PreprocessingSize,
    int? ResizeShorterSide,
    ResizeFilter Filter,
    string Weights,
    string WeightsSha256,
    string WeightsPath)
{
    /// <summary>The model's preprocessing differs from the one recorded: null when they agree, else what differs.</summary>
    public string? PreprocessingDifference(Preprocessing p) =>
        p.Kind == PreprocessingKind && p.Size == PreprocessingSize && p.ResizeShorterSide == ResizeShorterSide && p.Filter == Filter
            ? null
            : $"recorded {PreprocessingKind} {PreprocessingSize} (resize {ResizeShorterSide?.ToString() ?? "none"}, {Filter}), the source model now gives {p.Kind} {p.Size} (resize {p.ResizeShorterSide?.ToString() ?? "none"}, {p.Filter})";
}
