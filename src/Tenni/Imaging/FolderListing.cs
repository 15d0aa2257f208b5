using Tenni.Data;

namespace Tenni.Imaging;

/// <summary>What <see cref="FolderWalker.Walk"/> found.</summary>
internal sealed record FolderListing(IReadOnlyList<string> Files, IReadOnlyList<SkippedImage> Skipped, IReadOnlyList<string> OutsideLinks);
