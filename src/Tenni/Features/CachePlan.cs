using Tenni.Models;
using Tenni.Training;

namespace Tenni.Features;

/// <summary>
/// Where training can start from cached activations (DESIGN decision 4): the deepest friendly layer at or
/// before the cut such that every parameter before it is frozen, no BatchNorm before it uses batch
/// statistics and no dropout before it, and the rest of the network depends on it alone. Null when no
/// such layer exists, with the reason.
/// </summary>
public sealed record CachePlan(string? Tensor, string? Layer, string Reason)
{
    public bool Enabled => Tensor is not null;

    /// <summary>
    /// Where the validation photos' activations are cached when augmentation alone keeps the training
    /// photos out of the cache: validation photos are never augmented, so their frozen activations are
    /// exact. Null otherwise (then <see cref="Tensor"/> serves both, or nothing is cached).
    /// </summary>
    public string? ValidationTensor { get; init; }

    public static CachePlan Decide(ClassifierModel model, TrainOptions options) => Decide(model.Source, model.Cut, options);

    /// <summary>The plan for <paramref name="source"/> cut at <paramref name="cut"/>, before the head exists (its size needs the classes).</summary>
    internal static CachePlan Decide(SourceModel source, LayerAlias cut, TrainOptions options)
    {
        if (!options.Cache)
        {
            return new(null, null, "caching turned off (--no-cache)");
        }

        if (options.Augmentation.IsEnabled)
        {
            // Even frozen layers see a freshly transformed picture each epoch: no activation repeats exactly.
            var unaugmented = Decide(source, cut, options with { Augmentation = new Augmentation() });
            string validation = unaugmented.Enabled
                ? $"; the validation photos, never augmented, are cached at {unaugmented.Layer}: computed once, as without augmentation"
                : "";
            return new(null, null, $"augmentation ({options.Augmentation.Describe()}) redraws every training image each epoch, so no layer's output repeats and no training photo is cached: "
                + $"each is decoded, augmented and run through the whole network every epoch{validation}") { ValidationTensor = unaugmented.Tensor };
        }

        if (source.FrozenLayerBefore(cut) is not var (layer, cached))
        {
            return new(null, null, "the first layers train, so no activation is fixed");
        }

        string where = cached == layer.Tensor ? layer.Name : $"{layer.Name} (before its dropout, which runs every step)";
        return new(cached, layer.Name, cached == cut.Tensor
            ? $"everything up to the cut ({where}) is frozen: its output is computed once per image"
            : $"layers up to {where} are frozen: its output is computed once per image, the layers after it run every step");
    }
}
