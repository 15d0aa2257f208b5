namespace Tenni;

/// <summary>How the new head is trained (issue 19; <c>docs/training.md</c>, "Choosing the head solver").</summary>
public enum HeadSolver
{
    /// <summary>L-BFGS when only the head trains on cached features and photos are few or classes many; the chapter's recipe otherwise.</summary>
    Auto,

    /// <summary>The chapter's recipe: epochs of <see cref="TrainOptions.Optimizer"/> (Adam) on batches, together with any trained source layers.</summary>
    Gradient,

    /// <summary>L2-regularized multinomial logistic regression on the cached features, solved with L-BFGS for each strength of <see cref="TrainOptions.L2Grid"/>; the best on validation loss is kept.</summary>
    Lbfgs,
}
