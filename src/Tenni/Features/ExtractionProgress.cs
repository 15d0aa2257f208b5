using Tenni.Features;

namespace Tenni;

/// <summary>Reported after each batch.</summary>
public readonly record struct ExtractionProgress(int Done, int Total, int Skipped);
