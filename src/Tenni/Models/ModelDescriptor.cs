using Tenni.Imaging;
using Tenni.Onnx;

namespace Tenni.Models;

/// <summary>
/// A registry entry: where a source model's weights are, how its input is prepared, its friendly layer
/// names and its default feature layer. Everything model-specific lives here, nowhere else; the
/// functions that read and resolve are machinery, set by the registry (every entry sets all four).
/// </summary>
public sealed record ModelDescriptor
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required string License { get; init; }

    /// <summary>Finds the bundled weights file; throws <see cref="TenniException"/> with where to get one when there is none.</summary>
    internal Func<string> LocateWeights { get; init; } = null!;

    /// <summary>Reads a weights file of this model (its format found from its content) into the graph Tenni runs.</summary>
    internal Func<string, SourceModelOptions, LoadedWeights> ReadWeights { get; init; } = null!;

    /// <summary>The preprocessing of a weight family (null: the family of weights without one, the bundled file's).</summary>
    internal Func<WeightFamily?, Preprocessing> PreprocessingFor { get; init; } = null!;

    /// <summary>
    /// Whether the weight file decides the preprocessing (a torchvision checkpoint and a Chainer file of one
    /// architecture want different inputs); when not, it is known before the weights are read, and a
    /// training run decodes photos while the model loads (<see cref="SourceModel.PreprocessingBeforeLoad"/>).
    /// </summary>
    internal bool WeightsDecidePreprocessing { get; init; } = true;

    /// <summary>Friendly layer names resolved from the graph's structure, in forward order.</summary>
    internal Func<OnnxGraph, IReadOnlyList<LayerAlias>> ResolveAliases { get; init; } = null!;

    /// <summary>The layer <c>extract</c> and training use unless told otherwise.</summary>
    public required string DefaultLayer { get; init; }

    /// <summary>
    /// Where bfloat16 frozen layers were measured to keep this model's accuracy (docs/benchmarks.md), or
    /// null: then <see cref="Precision.Auto"/> keeps float32 for it and says so.
    /// </summary>
    internal string? Bf16Measured { get; init; }
}
