using Tenni.Imaging;

namespace Tenni.Data;

/// <summary>A file of the dataset that is not used, and why.</summary>
public sealed record SkippedImage(string Path, ImageProblemKind Reason, string Message);
