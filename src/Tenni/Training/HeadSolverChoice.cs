using Tenni.Features;

namespace Tenni.Training;

/// <summary>
/// Which solver trains the head, and why, in words the run prints (issue 19). L-BFGS needs the head's
/// own input cached (nothing before it trains, no augmentation, no dropout between cache and head);
/// <see cref="HeadSolver.Auto"/> takes it when photos per class are few or classes many, where the
/// chapter's 20 epochs of Adam stop long before the head converges. With L-BFGS, <see cref="Folds"/>
/// says how its strength is chosen: on the validation split (0), or by K-fold cross-validation over all
/// photos when the validation split is too small to choose on.
/// </summary>
public sealed record HeadSolverChoice(HeadSolver Solver, string Reason, int Folds = 0)
{
    /// <summary>
    /// Source layers train on few photos: the head is first fitted by L-BFGS with those layers as loaded
    /// (<c>HeadWarmStart</c>), then everything trains with the few-photo settings (<c>docs/training.md</c>).
    /// </summary>
    public bool WarmStart { get; init; }

    /// <summary>Below this many training photos per class, Auto fits the head with L-BFGS.</summary>
    public const int FewPhotosPerClass = 500;

    /// <summary>From this many classes on, Auto fits the head with L-BFGS.</summary>
    public const int ManyClasses = 10;

    /// <summary>Below this many validation photos per class, an L-BFGS head's strength is chosen by cross-validation unless <see cref="TrainOptions.Folds"/> says otherwise.</summary>
    public const int FewValidationPhotosPerClass = 10;

    public static HeadSolverChoice Decide(TrainOptions options, ClassifierModel model, CachePlan cache, DatasetSplit split)
    {
        bool headInputCached = cache.Tensor == model.Cut.Tensor;
        if (options.MultiLabel)
        {
            return new(HeadSolver.Gradient, "multi-label heads train with sigmoid + binary cross-entropy: the chapter's recipe (L-BFGS fits a softmax head)");
        }

        if (options.HeadSolver == HeadSolver.Gradient)
        {
            return new(HeadSolver.Gradient, "the chapter's recipe, as asked");
        }

        if (options.HeadSolver == HeadSolver.Lbfgs)
        {
            return headInputCached
                ? Lbfgs("as asked", options, split)
                : throw new TenniException($"--head-solver lbfgs needs the head's input cached, but {cache.Reason}; use --head-solver gradient");
        }

        int trainingPhotos = split.Train.Count;
        int classes = model.Classes;
        double perClass = (double)trainingPhotos / classes;
        long steps = (long)options.Epochs * ((trainingPhotos + options.BatchSize - 1) / options.BatchSize);
        bool few = perClass < FewPhotosPerClass || classes >= ManyClasses;
        if (options.TrainLayers.Count > 0 && few && cache.Enabled && !options.Augmentation.IsEnabled && options.InitialModel is null)
        {
            return new(HeadSolver.Gradient, $"{string.Join(", ", options.TrainLayers)} train on {trainingPhotos} photos for {classes} classes ({perClass:0.#} per class): the head is first fitted to convergence with {string.Join(", ", options.TrainLayers)} as loaded, then everything fine-tunes with the few-photo settings (docs/training.md; --recipe chapter for the chapter's recipe)") { WarmStart = true };
        }

        if (options.TrainLayers.Count > 0 || options.Augmentation.IsEnabled || !headInputCached || options.NeedsGradientLoss)
        {
            string why = options.TrainLayers.Count > 0 ? "source layers train with the head"
                : options.Augmentation.IsEnabled ? "augmentation changes the head's input every epoch"
                : options.NeedsGradientLoss ? "label smoothing, mixup and a balanced sampler shape gradient steps"
                : $"the head's input is not cached ({cache.Reason})";
            return new(HeadSolver.Gradient, $"the chapter's recipe: {why}");
        }

        if (few)
        {
            return Lbfgs($"only the head trains, on cached features, and {trainingPhotos} photos for {classes} classes ({perClass:0.#} per class) give the chapter's recipe {steps} steps, too few to converge: the convex problem is solved to convergence instead (--recipe chapter for the chapter's recipe)", options, split);
        }

        return new(HeadSolver.Gradient, $"the chapter's recipe: {perClass:0} photos per class are enough for its {steps} steps (--head-solver lbfgs to fit the head to convergence)");
    }

    // How the strength is chosen: as asked (--folds), or by cross-validation when the validation split
    // holds too few photos of some class to tell strengths apart (one photo per class decides nothing).
    private static HeadSolverChoice Lbfgs(string why, TrainOptions options, DatasetSplit split)
    {
        var all = split.Train.Concat(split.Validation).GroupBy(s => s.Label).Select(g => g.Count()).ToList();
        int fewestValidation = Enumerable.Range(0, split.Classes.Count).Min(c => split.Validation.Count(s => s.Label == c));
        int folds = options.Folds ?? (fewestValidation < FewValidationPhotosPerClass && all.Count == split.Classes.Count && all.Min() >= 2
            ? CrossValidationFolds.Automatic(all)
            : 0);
        string choice = folds == 0
            ? $"its L2 strength chosen on the validation photos ({(options.Folds is not null ? "--folds 0" : fewestValidation >= FewValidationPhotosPerClass ? $"at least {fewestValidation} per class" : "a class has under 2 photos in all: too few to cross-validate")})"
            : $"its L2 strength chosen by {folds}-fold cross-validation over all {split.Train.Count + split.Validation.Count} photos, then the head fitted on all of them ({(options.Folds is null ? $"the validation split has only {fewestValidation} photo{(fewestValidation == 1 ? "" : "s")} of some class" : $"--folds {folds}")})";
        return new(HeadSolver.Lbfgs, $"{why}; {choice}", folds);
    }
}
