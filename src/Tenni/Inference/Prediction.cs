namespace Tenni;

/// <summary>One file's result: class probabilities (in class order), or why the file could not be read.</summary>
public sealed record Prediction(string Path, float[]? Probabilities, string? Problem)
{
    /// <summary>The k most probable classes, best first.</summary>
    public IEnumerable<(int Class, float Probability)> Top(int k) =>
        (Probabilities ?? []).Select((p, i) => (i, p)).OrderByDescending(x => x.p).ThenBy(x => x.i).Take(k);
}
