namespace Tenni;

/// <summary>Progress of a stream of predictions, for the commands' progress displays.</summary>
public static class PredictionProgress
{
    /// <summary>
    /// Passes <paramref name="predictions"/> through, reporting after each how many of
    /// <paramref name="total"/> are done and how many were unreadable.
    /// </summary>
    public static IEnumerable<Prediction> Reported(this IEnumerable<Prediction> predictions, int total, IProgress<ExtractionProgress>? progress)
    {
        int done = 0, unreadable = 0;
        foreach (var prediction in predictions)
        {
            done++;
            unreadable += prediction.Problem is null ? 0 : 1;
            progress?.Report(new ExtractionProgress(done, total, unreadable));
            yield return prediction;
        }
    }
}
