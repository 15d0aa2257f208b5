using System.Security.Cryptography;
using System.Text;
using Tenni.Data;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Features;

/// <summary>
/// A persistent cache of one tensor per image, keyed by the source model's weights (content hash), the
/// preprocessing and the tensor, and by each image's content hash: a second run on the same images,
/// in any folder, skips extraction. Each row is written atomically, so an interrupted extraction keeps
/// what it finished.
/// </summary>
internal sealed class FeatureCache(SourceModel source, string? loadedSourceStateHash, string tensorName, string root)
{
    /// <summary>The cache of <paramref name="model"/>'s source, with the source tensors it loaded from a parent run.</summary>
    public FeatureCache(ClassifierModel model, string tensorName, string root)
        : this(model.Source, model.LoadedSourceStateHash, tensorName, root)
    {
    }

    private enum RowState
    {
        Missing,
        Damaged,
        Good,
    }

    public string Folder { get; } = Path.Combine(root, KeyOf(source, loadedSourceStateHash, tensorName));

    /// <summary>The default cache root: <c>$XDG_CACHE_HOME/tenni/features</c> or <c>~/.cache/tenni/features</c>.</summary>
    public static string DefaultRoot() => Path.Combine(IO.UserFiles.CacheRoot(), "features");

    /// <summary>
    /// Computes what is missing or damaged (a row that fails its checksum or holds a value that is not
    /// finite is recomputed, and <paramref name="log"/> says how many), then returns the rows of
    /// <paramref name="samples"/> in order.
    /// </summary>
    public FeatureStore Load(IReadOnlyList<ImageSample> samples, IProgress<ExtractionProgress>? progress, string scratchFolder, TextWriter? log = null)
    {
        long[] rowShape = PrepareFolder(log);
        int length = (int)rowShape.Aggregate(1L, (p, d) => p * d);
        var distinct = samples.DistinctBy(s => s.ContentHash).ToList();
        var states = new RowState[distinct.Count];
        Parallel.For(0, distinct.Count, () => new float[length], (i, _, buffer) =>
        {
            string file = RowFile(distinct[i]);
            states[i] = !File.Exists(file) ? RowState.Missing : CacheRow.TryRead(file, buffer) ? RowState.Good : RowState.Damaged;
            return buffer;
        }, _ => { });
        var redo = distinct.Where((_, i) => states[i] != RowState.Good).ToList();
        if (redo.Count > 0)
        {
            Extract(redo, progress);
        }

        int damaged = states.Count(s => s == RowState.Damaged);
        if (damaged > 0)
        {
            log?.WriteLine($"cache: {damaged} cached rows were damaged and recomputed ({Folder})");
        }

        return FeatureStore.FromRowFiles(samples.Select(RowFile).ToArray(), rowShape, scratchFolder);
    }

    /// <summary>How many of <paramref name="samples"/> are already cached.</summary>
    public int CachedCount(IEnumerable<ImageSample> samples) => samples.Count(s => File.Exists(RowFile(s)));

    /// <summary>
    /// The row shape, from the graph; the folder's metadata must agree, else its rows were made by
    /// something else or it is damaged: the folder is emptied and rebuilt, never trusted or thrown on.
    /// </summary>
    private long[] PrepareFolder(TextWriter? log)
    {
        long[] shape = source.TensorShape(tensorName);
        string? problem = "missing";
        if (Directory.Exists(Folder) && FeatureCacheMetadata.TryRead(Folder, out problem) is { } recorded)
        {
            if (recorded.SequenceEqual(shape))
            {
                return shape;
            }

            problem = $"it records rows of [{string.Join(", ", recorded)}], the model gives [{string.Join(", ", shape)}]";
        }

        if (problem != "missing")
        {
            log?.WriteLine($"cache: the metadata in '{Folder}' is damaged ({problem}); discarding the cache and rebuilding it");
            Directory.Delete(Folder, recursive: true);
        }

        Directory.CreateDirectory(Folder);
        FeatureCacheMetadata.Write(Folder, shape);
        return shape;
    }

    private void Extract(List<ImageSample> samples, IProgress<ExtractionProgress>? progress)
    {
        var loader = new DataLoader(samples, source.Preprocessing, new DataLoaderOptions { BatchSize = 32, Shuffle = false });
        bool wasTraining = source.Graph.training;
        source.Graph.eval(); // everything before the cache tensor is frozen and deterministic: eval computes the same
        int done = 0;
        try
        {
            foreach (var batch in loader.Epoch())
            {
                using (batch)
                {
                    ComputeRows(batch.Images, batch.Samples.Select(s => s.ContentHash).ToArray());
                }

                done += batch.Samples.Count;
                progress?.Report(new ExtractionProgress(done, samples.Count, 0));
            }
        }
        finally
        {
            source.Graph.train(wasTraining);
        }
    }

    /// <summary>
    /// Runs the frozen layers on a preprocessed batch and writes one row per image, named by
    /// <paramref name="contentHashes"/> (each written atomically). The caller has put the graph in evaluation mode.
    /// </summary>
    public void ComputeRows(Tensor images, IReadOnlyList<string> contentHashes)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor rows = source.ComputeFrozen(images, [tensorName])[tensorName].cpu().contiguous();
        float[] values = rows.data<float>().ToArray();
        int length = values.Length / contentHashes.Count;
        for (int i = 0; i < contentHashes.Count; i++)
        {
            string file = RowFile(contentHashes[i]);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            CacheRow.Write(file, values.AsSpan(i * length, length));
        }
    }

    /// <summary>What the rows are computed from: the source's preprocessing.</summary>
    public Imaging.Preprocessing Preprocessing => source.Preprocessing;

    /// <summary>Whether a row file exists for the image (its checksum is checked when it is loaded).</summary>
    public bool Has(string contentHash) => File.Exists(RowFile(contentHash));

    /// <summary>Creates the folder and its metadata (or empties a damaged one); before rows are written.</summary>
    public void Prepare(TextWriter? log) => PrepareFolder(log);

    private string RowFile(ImageSample sample) => RowFile(sample.ContentHash);

    private string RowFile(string contentHash) => Path.Combine(Folder, contentHash[..2], contentHash + ".f32");

    private static string KeyOf(SourceModel source, string? loadedSourceStateHash, string tensorName)
    {
        string weights = source.WeightsHash;
        // v3: rows come from the frozen copy (BatchNorm folded), in the source's precision. bfloat16 rows
        // from Tenni's own kernel differ from libtorch's in the last bits (where each rounds): kept apart by
        // which engine this machine and its settings send bfloat16 to, known without compiling the plan
        // (opening a cache costs no compilation). "-winograd": since its 3×3 layers run by Winograd's
        // transforms (rounded elsewhere), its rows differ from the direct kernel's of earlier versions.
        string engine = source.Bf16InOwnKernels ? "-tenni-winograd" : "";
        string recipe = $"rows-v3|{source.Preprocessing.Fingerprint()}|{tensorName}|{source.Graph.ChannelsLast}|{loadedSourceStateHash}|{Models.PrecisionChoice.Name(source.Precision)}{engine}";
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(recipe)))[..16].ToLowerInvariant();
        return Path.Combine($"{source.Descriptor.Name}-{weights[..16]}", key);
    }
}
