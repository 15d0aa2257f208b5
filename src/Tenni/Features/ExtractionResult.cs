using Tenni.Features;

namespace Tenni;

/// <summary>What <see cref="FeatureExtractor.ExtractToNpy"/> wrote.</summary>
/// <param name="Files">The files behind the rows, in row order.</param>
/// <param name="RowShape">The shape of one image's features.</param>
/// <param name="Skipped">Files that could not be read, with the reason.</param>
public sealed record ExtractionResult(IReadOnlyList<string> Files, IReadOnlyList<long> RowShape, IReadOnlyList<SkippedFile> Skipped);
