namespace Tenni.Data;

/// <summary>How a training epoch draws its photos (<c>--sampler</c>).</summary>
public enum Sampler
{
    /// <summary>Every photo once, in a seeded random order (the chapter's <c>SerialIterator(shuffle=True)</c>).</summary>
    Shuffle,

    /// <summary>
    /// As many draws as photos, each a class chosen uniformly, then one of its photos uniformly (with
    /// replacement; PyTorch's <c>WeightedRandomSampler</c> with weights 1 / n_class): every class is seen
    /// equally often, minority photos repeat within an epoch.
    /// </summary>
    Balanced,
}
