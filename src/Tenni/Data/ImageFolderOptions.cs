using Tenni.Imaging;
using Tenni.Data;

namespace Tenni;

/// <summary>Options for <see cref="ImageFolder.Scan"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Class folders in label order (the chapter's dog = 0, cat = 1); null: every sub-folder, sorted by name.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Keep at most this many readable images per class, the first in sorted order (the chapter's <c>[:1000]</c>).</summary>
    public int? PerClass { get; init; }

    /// <summary>Images whose header claims more pixels are skipped before any pixel buffer is allocated.</summary>
    public long MaxPixels { get; init; } = ImageReader.DefaultMaxPixels;

    /// <summary>Files with more bytes are skipped as too large, having read at most this many bytes plus one (default 256 MiB).</summary>
    public long MaxFileBytes { get; init; } = ImageReader.DefaultMaxFileBytes;

    /// <summary>Accept a folder with one class (a held-out set to evaluate on may hold only some classes); training needs two.</summary>
    public bool SingleClassAllowed { get; init; }

    /// <summary>
    /// Given each readable image as the scan decodes it to check it (from the scan's worker threads), so
    /// that training can compute its activations from this one decode (<see cref="Features.ScanExtraction"/>).
    /// </summary>
    internal Action<Imaging.DecodedImage>? Decoded { get; init; }

    /// <summary>How many files the scan decodes at once (default: one per core).</summary>
    internal int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Stops the scan (it throws <see cref="OperationCanceledException"/>): the run it fed has failed.</summary>
    internal CancellationToken Cancel { get; init; }
}
