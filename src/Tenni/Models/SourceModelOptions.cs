namespace Tenni.Models;

/// <summary>Options for <see cref="SourceModel.Load"/>.</summary>
public sealed record SourceModelOptions
{
    /// <summary>A weights file to use instead of the registry's.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>
    /// Run convolutions in the channels-last (NHWC) memory layout. Off by default: measured slower for
    /// this graph executor on this machine's libtorch (docs/benchmarks.md).
    /// </summary>
    public bool ChannelsLast { get; init; }
}
