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

    public static CachePlan Decide(ClassifierModel model, TrainOptions options)
    {
        if (!options.Cache)
        {
            return new(null, null, "caching turned off (--no-cache)");
        }

        if (options.Augmentation.IsEnabled)
        {
            // Even frozen layers see a freshly transformed picture each epoch: no activation repeats exactly.
            var unaugmented = Decide(model, options with { Augmentation = new Augmentation() });
            string validation = unaugmented.Enabled
                ? $"; the validation photos, never augmented, are cached at {unaugmented.Layer}: computed once, as without augmentation"
                : "";
            return new(null, null, $"augmentation ({options.Augmentation.Describe()}) redraws every training image each epoch, so no layer's output repeats and no training photo is cached: "
                + $"each is decoded, augmented and run through the whole network every epoch{validation}") { ValidationTensor = unaugmented.Tensor };
        }

        var source = model.Source;
        (LayerAlias Alias, string Tensor)? best = null;
        foreach (LayerAlias alias in source.Aliases.Append(model.Cut).DistinctBy(a => a.Tensor))
        {
            // A layer ending in dropout (Chainer's fc6, fc7) is cached before it: the dropout then runs
            // on the fly every step, as it would in the whole network.
            string tensor = source.BeforeStochasticNode(alias.Tensor);
            bool frozen = source.Graph.LayersUpTo(tensor).All(l => l.parameters().All(p => !p.requires_grad) && !l.UsesBatchStatistics);
            if (!frozen || source.IsStochasticUpTo(tensor))
            {
                break;
            }

            if (source.Graph.IsComputableFrom(tensor, model.Cut.Tensor))
            {
                best = (alias, tensor);
            }

            if (alias.Tensor == model.Cut.Tensor)
            {
                break;
            }
        }

        if (best is not var (layer, cached))
        {
            return new(null, null, "the first layers train, so no activation is fixed");
        }

        string where = cached == layer.Tensor ? layer.Name : $"{layer.Name} (before its dropout, which runs every step)";
        return new(cached, layer.Name, cached == model.Cut.Tensor
            ? $"everything up to the cut ({where}) is frozen: its output is computed once per image"
            : $"layers up to {where} are frozen: its output is computed once per image, the layers after it run every step");
    }
}
