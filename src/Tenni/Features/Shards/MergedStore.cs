using Tenni.Data;
using Tenni.Training;

namespace Tenni.Features;

/// <summary>
/// A merged feature store opened for training: its description, and every image with the place of its
/// row. Labels, sizes and content hashes come from the manifest, so nothing here reads an image.
/// </summary>
internal sealed class MergedStore
{
    private MergedStore(string path, StoreMetadata metadata, IReadOnlyList<MergedEntry> entries)
    {
        Path = path;
        Metadata = metadata;
        Entries = entries;
    }

    private Dictionary<string, (int Shard, int Row)>? _places;

    public string Path { get; }

    public StoreMetadata Metadata { get; }

    /// <summary>In the single-process order: class, then path.</summary>
    public IReadOnlyList<MergedEntry> Entries { get; private set; }

    public static MergedStore Open(string store)
    {
        var metadata = StoreMetadata.Read(store);
        string merged = System.IO.Path.Combine(store, FeatureStoreCheck.MergedName);
        if (!File.Exists(merged))
        {
            throw new TenniException($"feature store '{store}' is not merged; run 'tenni features merge {store}' once every shard has finished");
        }

        var entries = File.ReadLines(merged).Skip(1)
            .Select((line, i) => MergedEntry.Parse(line, metadata.Classes.Length, metadata.Shards, $"line {i + 2} of '{merged}'")).ToList();
        if (entries.Count == 0)
        {
            throw new TenniException($"feature store '{store}' holds no image; extract a folder with readable images into it");
        }

        return new MergedStore(store, metadata, entries);
    }

    /// <summary>
    /// The data a training run sees, as <see cref="ImageFolder.Scan"/> would give it for the extracted
    /// folder (same samples, same order; <c>--classes</c> and <c>--per-class</c> applied the same way),
    /// so the seeded, stratified split is the same as <c>train --data</c>'s.
    /// </summary>
    public (DatasetSplit Split, IReadOnlyList<(string FileName, DataReport Report)> Reports) Split(TrainOptions options)
    {
        if (options.MultiLabel)
        {
            throw new TenniException("--multi-label needs label sets from a labels file; a feature store holds one class per image (its class folder)");
        }

        var classes = options.Classes ?? Metadata.Classes;
        var samples = new List<ImageSample>(Entries.Count);
        for (int label = 0; label < classes.Count; label++)
        {
            int stored = Array.IndexOf(Metadata.Classes, classes[label]);
            if (stored < 0)
            {
                throw new TenniException($"class '{classes[label]}' is not in feature store '{Path}'; its classes: {string.Join(", ", Metadata.Classes)}");
            }

            samples.AddRange(Entries.Where(e => e.Entry.Label == stored).Take(options.PerClass ?? int.MaxValue)
                .Select(e => new ImageSample(System.IO.Path.Combine(Metadata.Data, e.Entry.RelativePath), label, e.Entry.Hash, e.Entry.Width, e.Entry.Height, e.Entry.Format)));
        }

        // The rows' places, then the manifest goes: the samples hold what training needs of it (a million
        // lines of it are a few hundred megabytes that would otherwise stay for the whole run).
        _places ??= Entries.DistinctBy(e => e.Entry.Hash).ToDictionary(e => e.Entry.Hash, e => (e.Shard, e.Row));
        Entries = [];
        var counts = classes.ToDictionary(c => c, c => samples.Count(s => classes[s.Label] == c));
        var report = DataReport.Build(Metadata.Data, classes, counts, samples, [], Imaging.ImageReader.DefaultMaxPixels);
        var folder = ImageFolder.FromLabels(Metadata.Data, classes, samples, report);
        var split = DatasetSplit.Random(folder, new SplitOptions { TrainFraction = options.TrainFraction, Seed = options.Seed, Method = options.SplitMethod });
        return (split, [("data-report.json", report)]);
    }

    /// <summary>The model must be the one the rows came from, and training must start from the stored tensor.</summary>
    public void Check(ClassifierModel model, CachePlan plan)
    {
        var source = model.Source;
        var problems = new List<string>();
        if (source.Descriptor.Name != Metadata.Model || source.WeightsHash != Metadata.WeightsSha256)
        {
            problems.Add($"model {source.Descriptor.Name} (weights {source.WeightsHash[..12]}) vs the store's {Metadata.Model} ({Metadata.WeightsSha256[..12]})");
        }

        if (source.Preprocessing.Fingerprint() != Metadata.Preprocessing)
        {
            problems.Add("preprocessing differs (--preprocessing)");
        }

        if (ExtractionPrecision.Of(source) != Metadata.Precision)
        {
            problems.Add($"precision {ExtractionPrecision.Of(source)} vs the store's {Metadata.Precision} (--precision)");
        }

        if (problems.Count > 0)
        {
            throw new TenniException($"feature store '{Path}' was computed with another model: {string.Join("; ", problems)}; train with --model {Metadata.Model} and its weights, or extract a new store");
        }

        if (plan.Tensor != Metadata.Tensor)
        {
            string needs = plan.Enabled ? $"rows of {plan.Layer}" : $"images ({plan.Reason})";
            throw new TenniException($"feature store '{Path}' holds rows of {Metadata.Layer}, but this recipe needs {needs}; train the layers after {Metadata.Layer} only (--layer at or after it, no --augment), or extract the store at the layer it needs");
        }
    }

    /// <summary>The rows of <paramref name="samples"/>, in order, read from the shards' chunks.</summary>
    public StoreRows Rows(IReadOnlyList<ImageSample> samples)
    {
        _places ??= Entries.DistinctBy(e => e.Entry.Hash).ToDictionary(e => e.Entry.Hash, e => (e.Shard, e.Row));
        var places = _places;
        var shards = new int[samples.Count];
        var rows = new int[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            (shards[i], rows[i]) = places[samples[i].ContentHash];
        }

        return new StoreRows(Path, Metadata, shards, rows);
    }
}
