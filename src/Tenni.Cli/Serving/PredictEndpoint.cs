using Microsoft.AspNetCore.Http;

namespace Tenni.Cli.Serving;

/// <summary>
/// <c>POST /api/predict</c>: multipart images → the top-k classes of each, in upload order. A file that
/// is not a usable image gets its reason in place of classes (200); when no file is usable, or the
/// request itself is not (no file, not multipart, too big, too many files), the answer is 400 with the reason.
/// </summary>
internal sealed class PredictEndpoint(TrainedClassifier classifier, PredictionGate gate, ServeOptions options)
{
    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancel)
    {
        var (uploads, problem) = await Uploads.ReadAsync(request, options, cancel);
        if (problem is not null)
        {
            return ServerResults.BadRequest(problem);
        }

        var readable = uploads.Where(u => u.Bytes is not null).Select(u => (u.Name, u.Bytes!)).ToList();
        var (accepted, predictions) = await gate.TryRunAsync(() => classifier.PredictEncoded(readable, options.MaxPixels).ToList(), cancel);
        if (!accepted)
        {
            return ServerResults.Busy();
        }

        var results = Merge(uploads, predictions!);
        if (results.All(r => r.Error is not null))
        {
            string first = results[0].Error!;
            return ServerResults.BadRequest(results.Count == 1 ? first : $"none of the {results.Count} files is a usable image; first: {first}", results);
        }

        return Results.Json(results, ServerResults.Json);
    }

    internal sealed record ClassProbability(string Class, float Probability);

    internal sealed record FileResult(string File, IReadOnlyList<ClassProbability>? Top, string? Error);

    // Upload order, each file with its classes or with why not (refused before decoding, or by the decoder).
    private List<FileResult> Merge(IReadOnlyList<Uploads.Upload> uploads, List<Prediction> predictions)
    {
        int k = Math.Clamp(options.Top, 1, classifier.Classes.Count);
        int next = 0;
        return [.. uploads.Select(u =>
        {
            if (u.Bytes is null)
            {
                return new FileResult(u.Name, null, u.Problem);
            }

            var p = predictions[next++];
            return p.Problem is not null
                ? new FileResult(u.Name, null, p.Problem)
                : new FileResult(u.Name, [.. p.Top(k).Select(t => new ClassProbability(classifier.Classes[t.Class], t.Probability))], null);
        })];
    }
}
