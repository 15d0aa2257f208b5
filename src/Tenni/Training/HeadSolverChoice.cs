using Tenni.Features;

namespace Tenni.Training;

/// <summary>
/// Which solver trains the head, and why, in words the run prints (issue 19). L-BFGS needs the head's
/// own input cached (nothing before it trains, no augmentation, no dropout between cache and head);
/// <see cref="HeadSolver.Auto"/> takes it when photos per class are few or classes many, where the
/// chapter's 20 epochs of Adam stop long before the head converges.
/// </summary>
public sealed record HeadSolverChoice(HeadSolver Solver, string Reason)
{
    /// <summary>Below this many training photos per class, Auto fits the head with L-BFGS.</summary>
    public const int FewPhotosPerClass = 500;

    /// <summary>From this many classes on, Auto fits the head with L-BFGS.</summary>
    public const int ManyClasses = 10;

    public static HeadSolverChoice Decide(TrainOptions options, ClassifierModel model, CachePlan cache, int trainingPhotos)
    {
        bool headInputCached = cache.Tensor == model.Cut.Tensor;
        if (options.HeadSolver == HeadSolver.Gradient)
        {
            return new(HeadSolver.Gradient, "the chapter's recipe, as asked");
        }

        if (options.HeadSolver == HeadSolver.Lbfgs)
        {
            return headInputCached
                ? new(HeadSolver.Lbfgs, "as asked")
                : throw new TenniException($"--head-solver lbfgs needs the head's input cached, but {cache.Reason}; use --head-solver gradient");
        }

        if (options.TrainLayers.Count > 0 || options.Augmentation.IsEnabled || !headInputCached)
        {
            string why = options.TrainLayers.Count > 0 ? "source layers train with the head"
                : options.Augmentation.IsEnabled ? "augmentation changes the head's input every epoch"
                : $"the head's input is not cached ({cache.Reason})";
            return new(HeadSolver.Gradient, $"the chapter's recipe: {why}");
        }

        int classes = model.Classes;
        double perClass = (double)trainingPhotos / classes;
        long steps = (long)options.Epochs * ((trainingPhotos + options.BatchSize - 1) / options.BatchSize);
        if (perClass < FewPhotosPerClass || classes >= ManyClasses)
        {
            return new(HeadSolver.Lbfgs, $"only the head trains, on cached features, and {trainingPhotos} photos for {classes} classes ({perClass:0.#} per class) give the chapter's recipe {steps} steps, too few to converge: the convex problem is solved to convergence instead, with its L2 strength chosen on the validation photos (--recipe chapter for the chapter's recipe)");
        }

        return new(HeadSolver.Gradient, $"the chapter's recipe: {perClass:0} photos per class are enough for its {steps} steps (--head-solver lbfgs to fit the head to convergence)");
    }
}
