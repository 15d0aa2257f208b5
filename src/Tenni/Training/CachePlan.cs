using Tenni.Models;

namespace Tenni.Training;

/// <summary>
/// Where training can start from cached activations (DESIGN decision 4): the deepest friendly layer at or
/// before the cut such that every parameter before it is frozen, no BatchNorm before it uses batch
/// statistics and no dropout before it, and the rest of the network depends on it alone. Null when no
/// such layer exists, with the reason.
/// </summary>
public sealed record CachePlan(string? Tensor, string? Layer, string Reason)
{
    public bool Enabled => Tensor is not null;

    public static CachePlan Decide(ClassifierModel model, TrainOptions options)
    {
        if (!options.Cache)
        {
            return new(null, null, "caching turned off (--no-cache)");
        }

        if (options.Augmentation.IsEnabled)
        {
            return new(null, null, "augmentation changes every image every epoch, so nothing before the head can be computed once");
        }

        var source = model.Source;
        LayerAlias? best = null;
        foreach (LayerAlias alias in source.Aliases.Append(model.Cut).DistinctBy(a => a.Tensor))
        {
            var nodes = source.Graph.NodesUpTo(alias.Tensor).ToList();
            bool frozen = source.Graph.Layers.Where(l => nodes.Any(n => n.LayerName == l.GetName()))
                .All(l => l.parameters().All(p => !p.requires_grad) && !l.UsesBatchStatistics);
            bool deterministic = nodes.All(n => n.OpType != "Dropout");
            if (!frozen || !deterministic)
            {
                break;
            }

            if (source.Graph.IsComputableFrom(alias.Tensor, model.Cut.Tensor))
            {
                best = alias;
            }

            if (alias.Tensor == model.Cut.Tensor)
            {
                break;
            }
        }

        return best is null
            ? new(null, null, "the first layers train, so no activation is fixed")
            : new(best.Tensor, best.Name, best.Tensor == model.Cut.Tensor
                ? $"everything up to the cut ({best.Name}) is frozen: its output is computed once per image"
                : $"layers up to {best.Name} are frozen: its output is computed once per image, the trained layers after it run every step");
    }
}
