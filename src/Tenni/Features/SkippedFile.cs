using Tenni.Features;

namespace Tenni;

/// <summary>A file that was not used, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);
