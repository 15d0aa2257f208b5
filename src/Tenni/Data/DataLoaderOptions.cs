namespace Tenni.Data;

/// <summary>Options for <see cref="DataLoader"/>.</summary>
public sealed record DataLoaderOptions
{
    /// <summary>The chapter's 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Shuffle every epoch (training); false keeps the samples' order (validation, extraction).</summary>
    public bool Shuffle { get; init; }

    /// <summary>How a shuffled epoch draws its photos; <see cref="Data.Sampler.Balanced"/> draws classes evenly.</summary>
    public Sampler Sampler { get; init; } = Sampler.Shuffle;

    /// <summary>Drives the shuffling and the augmentation; epoch k of seed s is the same on every run.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Batches decoded ahead of the consumer; memory stays within (Prefetch + 2) batches.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>Decoding threads; default: every core.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    public Augmentation Augmentation { get; init; } = new();

    /// <summary>The per-image pixel limit; give the loader the <see cref="ImageFolderOptions.MaxPixels"/> the samples were scanned with.</summary>
    public long MaxPixels { get; init; } = Imaging.ImageReader.DefaultMaxPixels;

    /// <summary>The per-file byte limit; give the loader the <see cref="ImageFolderOptions.MaxFileBytes"/> the samples were scanned with.</summary>
    public long MaxFileBytes { get; init; } = Imaging.ImageReader.DefaultMaxFileBytes;
}
