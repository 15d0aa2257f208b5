using Tenni.IO;
using Tenni.Data;

namespace Tenni;

/// <summary>
/// A training and a validation list of samples. Byte-identical files (one content hash) always land on
/// the same side, so validation never scores an image the model trained on. Saved as two tab-separated
/// lists (<c>train.tsv</c>, <c>val.tsv</c>) so a run can be repeated exactly.
/// </summary>
public sealed class DatasetSplit
{
    public const string TrainFile = "train.tsv";
    public const string ValidationFile = "val.tsv";

    // A path is at most 4,096 bytes on Linux; escaped, a line stays well under 64 Ki characters.
    private const int MaxLineChars = 1 << 16;

    // Ten million images at ~100 bytes a line.
    private const long MaxListBytes = 1L << 30;

    public DatasetSplit(IReadOnlyList<string> classes, IReadOnlyList<ImageSample> train, IReadOnlyList<ImageSample> validation, string method)
    {
        Classes = classes;
        Train = train;
        Validation = validation;
        Method = method;
    }

    public IReadOnlyList<string> Classes { get; }

    public IReadOnlyList<ImageSample> Train { get; }

    public IReadOnlyList<ImageSample> Validation { get; }

    /// <summary>How the split was made, for the run's records.</summary>
    public string Method { get; }

    /// <summary>A seeded random split (stratified by class unless told otherwise), identical files kept together.</summary>
    public static DatasetSplit Random(ImageFolder folder, SplitOptions? options = null)
    {
        options ??= new SplitOptions();
        if (options.TrainFraction is <= 0 or >= 1)
        {
            throw new TenniException($"train fraction must be between 0 and 1 (exclusive), got {options.TrainFraction}");
        }

        if (options.Method == SplitMethod.Chainer)
        {
            return Chainer(folder, options);
        }

        // A group is all files with one content hash; it goes to one side as a whole.
        var groups = folder.Samples.GroupBy(s => s.ContentHash).Select(g => g.ToArray()).ToList();
        var rng = new Random(options.Seed);
        bool stratified = options.Method == SplitMethod.Stratified;
        var strata = stratified
            ? groups.GroupBy(g => g[0].Label).OrderBy(s => s.Key).Select(s => s.ToList()).ToList()
            : [groups];
        var train = new List<ImageSample>();
        var validation = new List<ImageSample>();
        foreach (var stratum in strata)
        {
            Shuffle(stratum, rng);
            int total = stratum.Sum(g => g.Length);
            int wanted = (int)Math.Round(total * options.TrainFraction, MidpointRounding.AwayFromZero);
            int taken = 0;
            foreach (var group in stratum)
            {
                (taken < wanted ? train : validation).AddRange(group);
                taken += taken < wanted ? group.Length : 0;
            }
        }

        string method = $"{(stratified ? "stratified" : "plain")} random {options.TrainFraction:0.###}/{1 - options.TrainFraction:0.###}, seed {options.Seed}";
        return new DatasetSplit(folder.Classes, Order(train), Order(validation), method);
    }

    // Chainer's split_dataset_random: order = RandomState(seed).permutation(n); the first int(n × fraction)
    // of that order train. The dataset's order is the chapter's: one class after the other (label order),
    // each class's files in Tenni's order (by name; the chapter's glob lists them in the file system's).
    private static DatasetSplit Chainer(ImageFolder folder, SplitOptions options)
    {
        if (options.Seed < 0)
        {
            throw new TenniException($"--split-method chainer takes NumPy's seeds, 0 to 4294967295; got {options.Seed}");
        }

        var samples = folder.Samples.OrderBy(s => s.Label).ThenBy(s => s.Path, StringComparer.Ordinal).ToList();
        int first = (int)(samples.Count * options.TrainFraction); // Python's int(len(dataset) * 0.7): truncation
        int[] order = new NumPyRandomState((uint)options.Seed).Permutation(samples.Count);
        var train = order.Take(first).Select(i => samples[i]).ToList();
        var validation = order.Skip(first).Select(i => samples[i]).ToList();
        var trainHashes = train.Select(s => s.ContentHash).ToHashSet();
        int straddling = validation.Select(s => s.ContentHash).Distinct().Count(trainHashes.Contains);
        string method = $"Chainer's split_dataset_random (NumPy RandomState({options.Seed}).permutation({samples.Count}), the first {first} train)"
            + (straddling == 0 ? "" : $"; {straddling} group(s) of identical files fall on both sides, as in Chainer");
        return new DatasetSplit(folder.Classes, Order(train), Order(validation), method);
    }

    /// <summary>
    /// The usual entry point: a <c>train/</c> and a <c>val/</c> (or <c>valid/</c>, <c>validation/</c>) tree
    /// inside <paramref name="root"/> are used as given; otherwise the class folders of root are split at random.
    /// </summary>
    public static DatasetSplit FromFolder(string root, ImageFolderOptions? folderOptions = null, SplitOptions? splitOptions = null) =>
        FromFolderWithReports(root, folderOptions, splitOptions).Split;

    /// <summary><see cref="FromFolder"/>, with the data report of each scanned tree (file name → report).</summary>
    public static (DatasetSplit Split, IReadOnlyList<(string FileName, DataReport Report)> Reports) FromFolderWithReports(string root, ImageFolderOptions? folderOptions = null, SplitOptions? splitOptions = null)
    {
        string train = Path.Combine(root, "train");
        string? validation = new[] { "val", "valid", "validation" }.Select(n => Path.Combine(root, n)).FirstOrDefault(Directory.Exists);
        if (Directory.Exists(train) && validation is not null)
        {
            var trainFolder = ImageFolder.Scan(train, folderOptions);
            var validationFolder = ImageFolder.Scan(validation, folderOptions);
            return (Explicit(trainFolder, validationFolder), [("data-report.json", trainFolder.Report), ("data-report-val.json", validationFolder.Report)]);
        }

        var folder = ImageFolder.Scan(root, folderOptions);
        return (Random(folder, splitOptions), [("data-report.json", folder.Report)]);
    }

    /// <summary>Separate training and validation trees with the same class folders (<c>train/</c>, <c>val/</c>).</summary>
    public static DatasetSplit Explicit(ImageFolder train, ImageFolder validation)
    {
        if (!train.Classes.SequenceEqual(validation.Classes))
        {
            throw new TenniException($"training classes ({string.Join(", ", train.Classes)}) and validation classes ({string.Join(", ", validation.Classes)}) differ; both trees need the same class folders");
        }

        var trainHashes = train.Samples.Select(s => s.ContentHash).ToHashSet();
        var shared = validation.Samples.Where(s => trainHashes.Contains(s.ContentHash)).ToArray();
        if (shared.Length > 0)
        {
            throw new TenniException($"{shared.Length} validation images are byte-identical to training images (first: '{shared[0].Path}'); remove them from one tree");
        }

        return new DatasetSplit(train.Classes, train.Samples, validation.Samples, $"explicit: {train.Root} / {validation.Root}");
    }

    /// <summary>Writes <c>train.tsv</c> and <c>val.tsv</c> (label, class, content hash, path) into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        Write(Path.Combine(folder, TrainFile), Train);
        Write(Path.Combine(folder, ValidationFile), Validation);
    }

    // Line by line: a million images' list as one string would be hundreds of megabytes at once.
    private void Write(string path, IReadOnlyList<ImageSample> samples) => AtomicFile.Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        bool multiLabel = samples.Any(s => s.Labels is not null);
        writer.Write(multiLabel ? MultiLabelHeader + "\n" : "label\tclass\tsha256\tpath\n");
        foreach (var sample in samples)
        {
            writer.Write(Line(sample, multiLabel));
        }
    });

    /// <summary>Reads a saved split back (sizes and formats are not stored: the loader re-reads the files).</summary>
    /// <exception cref="TenniException">A list is missing or a line is not what <see cref="Save"/> writes.</exception>
    public static DatasetSplit Load(string folder, IReadOnlyList<string> classes)
    {
        IReadOnlyList<ImageSample> Read(string file)
        {
            string path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                throw new TenniException($"split list '{path}' does not exist");
            }

            var samples = new List<ImageSample>();
            int number = 0;
            bool multiLabel = false;
            foreach (string line in BoundedFile.ReadLines(path, MaxListBytes, MaxLineChars))
            {
                if (++number == 1)
                {
                    multiLabel = line == MultiLabelHeader; // the header says which kind of list this is
                }
                else if (line.Length > 0)
                {
                    string where = $"line {number} of '{path}'";
                    samples.Add(multiLabel ? ParseMultiLabelLine(line, classes, where) : ParseLine(line, classes, where));
                }
            }

            return samples;
        }

        return new DatasetSplit(classes, Read(TrainFile), Read(ValidationFile), $"loaded from {folder}");
    }

    // Class and path are escaped (TextEscaping.ToListField): a tab or newline in a file name keeps its line whole.
    // Multi-label lists hold label sets: indices and names joined by ';' (a label never holds one: LabelsCsv splits on it).
    private string Line(ImageSample s, bool multiLabel) => multiLabel
        ? $"{string.Join(';', s.Labels ?? [])}\t{TextEscaping.ToListField(string.Join(';', (s.Labels ?? []).Select(l => Classes[l])))}\t{s.ContentHash}\t{TextEscaping.ToListField(s.Path)}\n"
        : $"{s.Label}\t{TextEscaping.ToListField(Classes[s.Label])}\t{s.ContentHash}\t{TextEscaping.ToListField(s.Path)}\n";

    private const string MultiLabelHeader = "labels\tclasses\tsha256\tpath";

    private static ImageSample ParseMultiLabelLine(string line, IReadOnlyList<string> classes, string where)
    {
        string[] fields = line.Split('\t');
        if (fields.Length != 4)
        {
            throw new TenniException($"{where} has {fields.Length} tab-separated fields; expected 4 (labels, classes, sha256, path)");
        }

        var labels = new List<int>();
        foreach (string text in fields[0].Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int label) || label >= classes.Count)
            {
                throw new TenniException($"{where} has label '{TextEscaping.ForDisplay(text)}'; expected 0 to {classes.Count - 1}");
            }

            labels.Add(label);
        }

        if (Unescape(fields[1], where) != string.Join(';', labels.Select(l => classes[l])))
        {
            throw new TenniException($"{where} names classes '{TextEscaping.ForDisplay(fields[1])}' for labels {fields[0]}; this data's classes are {string.Join(", ", classes)}");
        }

        var sample = ParseLine($"0\t{TextEscaping.ToListField(classes[0])}\t{fields[2]}\t{fields[3]}", classes, where);
        return sample with { Label = labels.Count > 0 ? labels[0] : -1, Labels = labels };
    }

    private static ImageSample ParseLine(string line, IReadOnlyList<string> classes, string where)
    {
        string[] fields = line.Split('\t');
        if (fields.Length != 4)
        {
            throw new TenniException($"{where} has {fields.Length} tab-separated fields; expected 4 (label, class, sha256, path)");
        }

        if (!int.TryParse(fields[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int label) || label >= classes.Count)
        {
            throw new TenniException($"{where} has label '{TextEscaping.ForDisplay(fields[0])}'; expected 0 to {classes.Count - 1}");
        }

        if (Unescape(fields[1], where) != classes[label])
        {
            throw new TenniException($"{where} names class '{TextEscaping.ForDisplay(fields[1])}' for label {label}; this data has '{classes[label]}' there");
        }

        if (fields[2].Length != 64 || !fields[2].All(char.IsAsciiHexDigitLower))
        {
            throw new TenniException($"{where} has hash '{TextEscaping.ForDisplay(fields[2])}'; expected 64 lower-case hex digits (SHA-256)");
        }

        return new ImageSample(Unescape(fields[3], where), label, fields[2], 0, 0, "");
    }

    private static string Unescape(string field, string where)
    {
        try
        {
            return TextEscaping.FromListField(field);
        }
        catch (TenniException e)
        {
            throw new TenniException($"{where}: {e.Message}");
        }
    }

    private static List<ImageSample> Order(List<ImageSample> samples) =>
        samples.OrderBy(s => s.Label).ThenBy(s => s.Path, StringComparer.Ordinal).ToList();

    private static void Shuffle<T>(List<T> items, Random rng)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
