using System.Collections.Concurrent;

namespace Tenni.Cli.Serving;

/// <summary>
/// The run's validation split evaluated once, on first request (it takes a forward pass over every
/// validation photo, too long to delay the start), and its most confident mistakes with thumbnails.
/// Thumbnails are addressed by index into that list only: no path ever comes from a request.
/// </summary>
internal sealed class ValidationMistakes(TrainedClassifier classifier, PredictionGate gate, int count)
{
    /// <summary>The gallery's thumbnails fit this many pixels.</summary>
    public const int ThumbnailSide = 160;

    private readonly ConcurrentDictionary<int, byte[]?> _thumbnails = new();
    private readonly SemaphoreSlim _once = new(1, 1);
    private Result? _result;

    internal sealed record Result(Evaluation? Evaluation, string? Unavailable);

    /// <summary>The evaluation when it has been computed, else null (never starts it).</summary>
    public Evaluation? Computed => _result?.Evaluation;

    /// <summary>The evaluation, computed on first call; null when the model is busy beyond its queue.</summary>
    public async Task<Result?> GetAsync(CancellationToken cancel)
    {
        if (_result is { } done)
        {
            return done;
        }

        await _once.WaitAsync(cancel);
        try
        {
            if (_result is null)
            {
                var (accepted, result) = await gate.TryRunAsync(Evaluate, cancel);
                _result = accepted ? result : null;
            }

            return _result;
        }
        finally
        {
            _once.Release();
        }
    }

    /// <summary>The thumbnail of mistake <paramref name="index"/>, or null when there is no such mistake.</summary>
    public byte[]? Thumbnail(int index) =>
        _result?.Evaluation is { } evaluation && index >= 0 && index < evaluation.TopLosses.Count
            ? _thumbnails.GetOrAdd(index, i => Reporting.Thumbnail.Jpeg(evaluation.TopLosses[i].Path, ThumbnailSide))
            : null;

    private Result Evaluate()
    {
        try
        {
            var samples = EvaluationData.ValidationSplit(classifier.Folder, classifier.Classes);
            return new Result(classifier.Evaluate(samples, topLosses: count).Evaluation, null);
        }
        catch (TenniException e)
        {
            return new Result(null, e.Message);
        }
    }
}
