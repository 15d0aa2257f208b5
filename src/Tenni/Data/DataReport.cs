using System.Text.Json;
using System.Text.Json.Serialization;
using Tenni.Imaging;

namespace Tenni.Data;

/// <summary>
/// What a dataset holds and what was left out: images per class, every skipped file with its reason,
/// groups of byte-identical files, formats and pixel sizes. Saved in full as JSON with every run;
/// <see cref="Summary"/> is the short form printed on the console.
/// </summary>
public sealed record DataReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public required string Root { get; init; }

    public required IReadOnlyList<ClassCount> Classes { get; init; }

    public required int Images { get; init; }

    public required IReadOnlyList<SkippedImage> Skipped { get; init; }

    /// <summary>Groups of files with identical bytes (SHA-256); a split keeps each group on one side.</summary>
    public required IReadOnlyList<DuplicateGroup> Duplicates { get; init; }

    public required IReadOnlyDictionary<string, int> Formats { get; init; }

    public required SizeDistribution Sizes { get; init; }

    public required long MaxPixels { get; init; }

    /// <summary>Links whose target lies outside the data folder ("link -> target"): followed, and listed so a reader of the report knows.</summary>
    public IReadOnlyList<string> OutsideLinks { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A report as <see cref="ToJson"/> wrote it (<c>data-report.json</c> of a run).</summary>
    public static DataReport FromJson(string json) =>
        JsonSerializer.Deserialize<DataReport>(json, Json) ?? throw new TenniException("the data report is empty (JSON null)");

    /// <summary>A few lines for the console.</summary>
    public IReadOnlyList<string> Summary()
    {
        var lines = new List<string>
        {
            $"data: {Root}: {Classes.Count} classes, {Images} images, {Skipped.Count} files skipped, {Duplicates.Count} groups of identical files",
        };
        lines.AddRange(Classes.Select(c => $"  {c.Name} (label {c.Label}): {c.Images} images of {c.Files} files"));
        if (Imbalance() is { } imbalance)
        {
            lines.Add(imbalance);
        }

        if (Skipped.Count > 0)
        {
            lines.Add("  skipped: " + string.Join(", ", Skipped.GroupBy(s => s.Reason).Select(g => $"{g.Count()} {Describe(g.Key)}")));
        }

        if (Duplicates.Count > 0)
        {
            lines.Add($"  identical files: {string.Join("; ", Duplicates.Take(3).Select(d => string.Join(" = ", d.Paths.Select(Path.GetFileName))))}{(Duplicates.Count > 3 ? "; …" : "")}");
        }

        if (OutsideLinks.Count > 0)
        {
            lines.Add($"  links leading outside the folder (followed): {string.Join("; ", OutsideLinks.Take(3))}{(OutsideLinks.Count > 3 ? $"; … ({OutsideLinks.Count} in all)" : "")}");
        }

        lines.Add("  formats: " + string.Join(", ", Formats.Select(f => $"{f.Key} {f.Value}")));
        lines.Add($"  sizes: width {Sizes.Width.Min}–{Sizes.Width.Max} (median {Sizes.Width.Median}), height {Sizes.Height.Min}–{Sizes.Height.Max} (median {Sizes.Height.Median}); shorter side " +
            string.Join(", ", Sizes.ShorterSide.Select(b => $"{b.Key}: {b.Value}")));
        return lines;
    }

    /// <summary>Above this ratio of the largest class's images to the smallest's, the summary flags the imbalance.</summary>
    public const double ImbalanceRatio = 3;

    // Accuracy hides a minority class the model ignores: say so, and what helps.
    private string? Imbalance()
    {
        var present = Classes.Where(c => c.Images > 0).ToList();
        if (present.Count < 2)
        {
            return null;
        }

        var (largest, smallest) = (present.MaxBy(c => c.Images)!, present.MinBy(c => c.Images)!);
        double ratio = (double)largest.Images / smallest.Images;
        return ratio > ImbalanceRatio
            ? $"  imbalanced: {largest.Name} has {ratio:0.#}× the images of {smallest.Name} (above {ImbalanceRatio:0}:1); consider --class-weights balanced or --sampler balanced, and judge by per-class recall (tenni evaluate)"
            : null;
    }

    internal static DataReport Build(string root, IReadOnlyList<string> classes, Dictionary<string, int> fileCounts, List<ImageSample> samples, List<SkippedImage> skipped, long maxPixels)
    {
        var duplicates = samples.GroupBy(s => s.ContentHash).Where(g => g.Count() > 1)
            .Select(g => new DuplicateGroup(g.Key, g.Select(s => s.Path).ToArray(), g.Select(s => s.Label).Distinct().Count() > 1))
            .ToArray();
        return new DataReport
        {
            Root = root,
            Classes = classes.Select((c, i) => new ClassCount(c, i, samples.Count(s => s.Label == i), fileCounts[c])).ToArray(),
            Images = samples.Count,
            Skipped = skipped,
            Duplicates = duplicates,
            Formats = samples.GroupBy(s => s.Format).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count()),
            Sizes = SizeDistribution.Of(samples),
            MaxPixels = maxPixels,
        };
    }

    private static string Describe(ImageProblemKind kind) => kind switch
    {
        ImageProblemKind.Empty => "empty",
        ImageProblemKind.SystemFile => "system files",
        ImageProblemKind.NotAnImage => "not images",
        ImageProblemKind.Truncated => "truncated",
        ImageProblemKind.Corrupt => "damaged",
        ImageProblemKind.TooLarge => "too large",
        ImageProblemKind.NotARegularFile => "not regular files",
        ImageProblemKind.LinkLoop => "folder links not followed",
        _ => "unreadable",
    };
}
