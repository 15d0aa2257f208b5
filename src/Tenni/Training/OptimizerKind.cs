using Tenni.Training;

namespace Tenni;

public enum OptimizerKind
{
    /// <summary>The chapter's Adam (alpha 1e-4, betas 0.9/0.999, eps 1e-8).</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,

    /// <summary>SGD with momentum (0.9 by default).</summary>
    Sgd,
}
