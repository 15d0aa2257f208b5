namespace Tenni.Features;

/// <summary>Reported after each batch.</summary>
public readonly record struct ExtractionProgress(int Done, int Total, int Skipped);
