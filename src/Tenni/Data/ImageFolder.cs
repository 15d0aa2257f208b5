using System.Collections.Concurrent;
using Tenni.Imaging;
using Tenni.Data;

namespace Tenni;

/// <summary>
/// A folder with one sub-folder per class (torchvision's <c>ImageFolder</c>, the chapter's
/// <c>PetImages/Cat</c>, <c>PetImages/Dog</c>). Every file is read and checked once; files are taken in
/// sorted (ordinal) path order, never file-system order; unreadable files are skipped with a reason;
/// nothing is ever deleted or moved.
/// </summary>
public sealed class ImageFolder
{
    private ImageFolder(string root, IReadOnlyList<string> classes, IReadOnlyList<ImageSample> samples, DataReport report)
    {
        Root = root;
        Classes = classes;
        Samples = samples;
        Report = report;
    }

    public string Root { get; }

    /// <summary>Class names; the index is the label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Readable images, by class then path.</summary>
    public IReadOnlyList<ImageSample> Samples { get; }

    public DataReport Report { get; }

    /// <summary>Lists and checks a class-folder tree; throws <see cref="TenniException"/> when it cannot be a dataset.</summary>
    public static ImageFolder Scan(string root, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        ImageFileBytes.CheckLimit(options.MaxFileBytes);
        var classes = ClassFolders(root, options.Classes, options.SingleClassAllowed);
        var samples = new List<ImageSample>();
        var skipped = new List<SkippedImage>();
        var fileCounts = new Dictionary<string, int>();
        var outsideLinks = new List<string>();
        for (int label = 0; label < classes.Count; label++)
        {
            var listing = FolderWalker.Walk(Path.Combine(root, classes[label]), skipHidden: true, boundary: root);
            skipped.AddRange(listing.Skipped);
            outsideLinks.AddRange(listing.OutsideLinks);
            fileCounts[classes[label]] = listing.Files.Count;
            samples.AddRange(ReadClass(listing.Files, label, options, skipped));
        }

        var report = DataReport.Build(root, classes, fileCounts, samples, skipped, options.MaxPixels) with { OutsideLinks = outsideLinks };
        if (samples.Count == 0)
        {
            string first = skipped.Count > 0 ? $"; first problem: {skipped[0].Message}" : "";
            throw new TenniException($"no readable image in '{root}' ({skipped.Count} files skipped{first})");
        }

        foreach (var empty in report.Classes.Where(c => c.Images == 0))
        {
            throw new TenniException($"class '{empty.Name}' in '{root}' has no readable image ({empty.Files} files); every class needs at least one");
        }

        return new ImageFolder(root, classes, samples, report);
    }

    /// <summary>A dataset whose labels come from a labels file (<see cref="LabelsCsv"/>); <see cref="Root"/> is that file.</summary>
    internal static ImageFolder FromLabels(string labelsFile, IReadOnlyList<string> classes, IReadOnlyList<ImageSample> samples, DataReport report) =>
        new(labelsFile, classes, samples, report);

    // Reads a class's files in parallel chunks, in order, until the per-class cap of readable images is met.
    private static List<ImageSample> ReadClass(IReadOnlyList<string> files, int label, ImageFolderOptions options, List<SkippedImage> skipped)
    {
        var kept = new List<ImageSample>();
        int cap = options.PerClass ?? int.MaxValue;
        int chunk = Math.Max(16, Environment.ProcessorCount * 8);
        for (int start = 0; start < files.Count && kept.Count < cap;)
        {
            // Never more than the cap still needs: each file read is decoded (and, with a scan sink, run through the model).
            int take = Math.Min(Math.Min(chunk, files.Count - start), cap - kept.Count);
            var results = new (ImageSample? Sample, SkippedImage? Skip)[take];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers), CancellationToken = options.Cancel }, i =>
            {
                string path = files[start + i];
                var (facts, problem) = ImageReader.Inspect(path, options.MaxPixels, options.MaxFileBytes, options.Decoded);
                results[i] = facts is null
                    ? (null, new SkippedImage(path, problem!.Kind, problem.Message))
                    : (new ImageSample(path, label, facts.ContentHash, facts.Width, facts.Height, facts.Format), null);
            });
            foreach (var (sample, skip) in results)
            {
                if (kept.Count >= cap)
                {
                    break;
                }

                if (sample is not null)
                {
                    kept.Add(sample);
                }
                else
                {
                    skipped.Add(skip!);
                }
            }

            start += take;
        }

        return kept;
    }

    /// <summary>The class folders <see cref="Scan"/> would use (every visible sub-folder, sorted), without reading a file.</summary>
    internal static IReadOnlyList<string> ClassNames(string root) => ClassFolders(root, null, singleClassAllowed: false);

    private static IReadOnlyList<string> ClassFolders(string root, IReadOnlyList<string>? explicitClasses, bool singleClassAllowed)
    {
        if (!Directory.Exists(root))
        {
            throw new TenniException(File.Exists(root)
                ? $"data folder '{root}' is a file; expected a folder with one sub-folder per class"
                : $"data folder '{root}' does not exist; expected a folder with one sub-folder per class");
        }

        string[] found = Directory.EnumerateDirectories(root).Select(Path.GetFileName).Where(n => !IsHidden(n!)).Select(n => n!).Order(StringComparer.Ordinal).ToArray();
        if (explicitClasses is not null)
        {
            foreach (string name in explicitClasses.Where(c => !found.Contains(c)))
            {
                throw new TenniException($"class folder '{name}' not found in '{root}'; sub-folders: {(found.Length == 0 ? "none" : string.Join(", ", found))}");
            }

            if (explicitClasses.Distinct().Count() != explicitClasses.Count)
            {
                throw new TenniException($"classes list a folder twice: {string.Join(", ", explicitClasses)}");
            }
        }

        var classes = explicitClasses ?? found;
        if (classes.Count == 0)
        {
            throw new TenniException($"'{root}' holds no class folders; expected one sub-folder per class, e.g. {Path.Combine(root, "cat")}/ and {Path.Combine(root, "dog")}/");
        }

        if (classes.Count == 1 && !singleClassAllowed)
        {
            throw new TenniException($"'{root}' holds one class folder ({classes[0]}); a classifier needs at least two");
        }

        return classes;
    }

    private static bool IsHidden(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'));
}
