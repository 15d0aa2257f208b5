using System.Text;
using Tenni.Imaging;
using Tenni.IO;

namespace Tenni.Data;

/// <summary>
/// Labels from a CSV file instead of class folders (issue 17, item 2): UTF-8, a header <c>path,labels</c>,
/// one row per photo; a path is relative to the CSV's folder (or absolute), labels within the field are
/// separated by <see cref="Delimiter"/>. Every listed file is read and checked as in
/// <see cref="ImageFolder.Scan"/>: an unreadable or missing file is skipped and reported, never fatal.
/// </summary>
public static class LabelsCsv
{
    /// <summary>Separates the labels of one photo inside the <c>labels</c> field.</summary>
    public const char Delimiter = ';';

    // Every size is a claim: a labels file is at most 64 MiB, a million rows, 64 Ki characters a row.
    private const long MaxBytes = 64L << 20;
    private const int MaxRows = 1_000_000;
    private const int MaxRowChars = 1 << 16;

    /// <summary>Whether <paramref name="data"/> names a labels file (an existing file ending in .csv) rather than a data folder.</summary>
    public static bool IsLabelsFile(string data) => data.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && File.Exists(data);

    /// <summary>
    /// Reads the CSV and every photo it lists. Without <paramref name="multiLabel"/> each row needs exactly
    /// one label; with it, zero or more. Classes are the distinct labels in ordinal order, or
    /// <see cref="ImageFolderOptions.Classes"/>'s order (then every label must be one of them).
    /// </summary>
    public static ImageFolder Read(string csvPath, bool multiLabel, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (options.PerClass is not null)
        {
            throw new TenniException("--per-class caps class folders; with --labels, list fewer rows in the CSV");
        }

        ImageFileBytes.CheckLimit(options.MaxFileBytes);
        var rows = Rows(csvPath, multiLabel);
        var classes = Classes(rows, options.Classes, csvPath, multiLabel);
        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var skipped = new List<SkippedImage>();
        var samples = ReadPhotos(rows, index, multiLabel, options, skipped);
        var fileCounts = classes.ToDictionary(c => c, c => rows.Count(r => r.Labels.Contains(c)));
        var report = DataReport.Build(csvPath, classes, fileCounts, samples, skipped, options.MaxPixels);
        // A multi-label photo counts for every label it has, not only its first.
        report = report with { Classes = classes.Select((c, i) => new ClassCount(c, i, samples.Count(s => s.Labels?.Contains(i) ?? s.Label == i), fileCounts[c])).ToArray() };
        if (samples.Count == 0)
        {
            string first = skipped.Count > 0 ? $"; first problem: {skipped[0].Message}" : "";
            throw new TenniException($"no readable image listed in '{csvPath}' ({skipped.Count} files skipped{first})");
        }

        foreach (var empty in report.Classes.Where(c => c.Images == 0))
        {
            throw new TenniException($"label '{empty.Name}' in '{csvPath}' has no readable photo ({empty.Files} rows); every label needs at least one");
        }

        return ImageFolder.FromLabels(csvPath, classes, samples, report);
    }

    private sealed record Row(int Number, string Path, string[] Labels);

    private static List<Row> Rows(string csvPath, bool multiLabel)
    {
        RegularFile.Require(csvPath, "labels file", "expected a CSV file with a header row path,labels");
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(BoundedFile.Read(csvPath, MaxBytes));
        }
        catch (DecoderFallbackException)
        {
            throw new TenniException($"labels file '{csvPath}' is not UTF-8 text; save it as UTF-8 CSV");
        }

        string where = $"'{csvPath}'";
        var records = CsvRecords.Parse(text, where, MaxRowChars, MaxRows + 1);
        if (records.Count == 0)
        {
            throw new TenniException($"labels file '{csvPath}' is empty; expected a header row path,labels and one row per photo");
        }

        var header = records[0].Fields.Select(f => f.Trim()).ToArray();
        if (header.Length != 2 || !header[0].Equals("path", StringComparison.OrdinalIgnoreCase) || !header[1].Equals("labels", StringComparison.OrdinalIgnoreCase))
        {
            throw new TenniException($"labels file '{csvPath}' has the header {string.Join(",", header.Select(TextEscaping.ForDisplay))}; expected exactly two columns: path,labels");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        var rows = new List<Row>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, fields) in records.Skip(1))
        {
            int number = rows.Count + 1;
            string at = $"row {number} (line {line}) of '{csvPath}'";
            if (fields.Length != 2)
            {
                throw new TenniException($"{at} has {fields.Length} fields; expected 2 (path,labels): quote a path that holds a comma");
            }

            string path = fields[0].Trim();
            if (path.Length == 0 || path.Contains('\0'))
            {
                throw new TenniException($"{at} has no path; every row names a photo, relative to the CSV's folder or absolute");
            }

            string full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(folder, path));
            if (!seen.TryAdd(full, number))
            {
                throw new TenniException($"'{csvPath}' lists '{TextEscaping.ForDisplay(path)}' twice (rows {seen[full]} and {number}); list each photo once, with all its labels");
            }

            string[] labels = Labels(fields[1], at);
            if (!multiLabel && labels.Length != 1)
            {
                throw new TenniException($"{at} has {labels.Length} labels ({TextEscaping.ForDisplay(fields[1])}); each photo needs exactly one, or add --multi-label for label sets separated by '{Delimiter}'");
            }

            rows.Add(new Row(number, full, labels));
        }

        return rows;
    }

    // Trimmed, empty entries dropped, a label repeated in a row counted once.
    private static string[] Labels(string field, string at)
    {
        string[] labels = field.Split(Delimiter, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray();
        foreach (string label in labels.Where(l => l.Any(TextEscaping.IsControl)))
        {
            throw new TenniException($"{at} has the label '{TextEscaping.ForDisplay(label)}' with a control character; labels are printable names");
        }

        return labels;
    }

    private static IReadOnlyList<string> Classes(List<Row> rows, IReadOnlyList<string>? explicitClasses, string csvPath, bool multiLabel)
    {
        var found = rows.SelectMany(r => r.Labels).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (explicitClasses is not null)
        {
            if (explicitClasses.Distinct(StringComparer.Ordinal).Count() != explicitClasses.Count)
            {
                throw new TenniException($"classes list a label twice: {string.Join(", ", explicitClasses)}");
            }

            foreach (var row in rows)
            {
                foreach (string unknown in row.Labels.Where(l => !explicitClasses.Contains(l)))
                {
                    throw new TenniException($"row {row.Number} of '{csvPath}' has the label '{TextEscaping.ForDisplay(unknown)}', not one of --classes ({string.Join(", ", explicitClasses)})");
                }
            }
        }

        var classes = explicitClasses ?? found;
        if (classes.Count < (multiLabel ? 1 : 2))
        {
            throw new TenniException($"'{csvPath}' names {classes.Count} label(s) ({string.Join(", ", classes)}); {(multiLabel ? "a multi-label classifier needs at least one" : "a classifier needs at least two")}");
        }

        return classes;
    }

    // Reads every listed photo in parallel, in path order (so a split does not depend on the CSV's row order).
    private static List<ImageSample> ReadPhotos(List<Row> rows, Dictionary<string, int> index, bool multiLabel, ImageFolderOptions options, List<SkippedImage> skipped)
    {
        var ordered = rows.OrderBy(r => r.Path, StringComparer.Ordinal).ToArray();
        var results = new (ImageSample? Sample, SkippedImage? Skip)[ordered.Length];
        Parallel.For(0, ordered.Length, i =>
        {
            var row = ordered[i];
            int[] labels = row.Labels.Select(l => index[l]).Order().ToArray();
            var (facts, problem) = ImageReader.Inspect(row.Path, options.MaxPixels, options.MaxFileBytes);
            results[i] = facts is null
                ? (null, new SkippedImage(row.Path, problem!.Kind, problem.Message))
                : (new ImageSample(row.Path, labels.Length > 0 ? labels[0] : -1, facts.ContentHash, facts.Width, facts.Height, facts.Format) { Labels = multiLabel ? labels : null }, null);
        });
        skipped.AddRange(results.Where(r => r.Skip is not null).Select(r => r.Skip!));
        return results.Where(r => r.Sample is not null).Select(r => r.Sample!).OrderBy(s => s.Label).ThenBy(s => s.Path, StringComparer.Ordinal).ToList();
    }
}
