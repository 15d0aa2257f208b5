namespace Tenni.Training;

/// <summary>
/// Stratified K-fold assignment (scikit-learn's <c>StratifiedKFold(shuffle=True)</c> in spirit): within
/// each class, photos are shuffled with the seed and dealt to the folds in turn, so every fold holds
/// each class's photos in proportion and a class with fewer photos than folds is missing from some
/// folds' held-out part rather than from their training part.
/// </summary>
internal static class CrossValidationFolds
{
    /// <summary>The fold (0 … <paramref name="folds"/> − 1) each photo is held out in.</summary>
    public static int[] Assign(IReadOnlyList<long> labels, int folds, int seed)
    {
        if (folds < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(folds), folds, "cross-validation needs at least 2 folds");
        }

        var random = new Random(seed);
        int[] fold = new int[labels.Count];
        int next = 0; // where the next class starts dealing: small classes do not all land in fold 0
        foreach (var photos in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] order = photos.ToArray();
            random.Shuffle(order);
            foreach (int photo in order)
            {
                fold[photo] = next;
                next = (next + 1) % folds;
            }
        }

        return fold;
    }

    /// <summary>The number of folds Tenni uses when it cross-validates by itself: 5, or fewer when the smallest class has fewer photos (at least 2).</summary>
    public static int Automatic(IEnumerable<int> photosPerClass) => Math.Clamp(photosPerClass.DefaultIfEmpty(0).Min(), 2, DefaultFolds);

    public const int DefaultFolds = 5;
}
