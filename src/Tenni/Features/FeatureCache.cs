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
internal sealed class FeatureCache(ClassifierModel model, string tensorName, string root)
{
    private enum RowState
    {
        Missing,
        Damaged,
        Good,
    }

    public string Folder { get; } = Path.Combine(root, KeyOf(model, tensorName));

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
        long[] shape = model.Source.TensorShape(tensorName);
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
        var loader = new DataLoader(samples, model.Source.Preprocessing, new DataLoaderOptions { BatchSize = 32, Shuffle = false });
        bool wasTraining = model.Source.Graph.training;
        model.Source.Graph.eval(); // everything before the cache tensor is frozen and deterministic: eval computes the same
        int done = 0;
        try
        {
            foreach (var batch in loader.Epoch())
            {
                using (batch)
                using (var scope = NewDisposeScope())
                using (no_grad())
                {
                    Tensor rows = model.Source.Graph.Run(batch.Images, [tensorName])[tensorName].contiguous();
                    for (int i = 0; i < batch.Samples.Count; i++)
                    {
                        float[] values = rows[i].contiguous().data<float>().ToArray();
                        Directory.CreateDirectory(Path.GetDirectoryName(RowFile(batch.Samples[i]))!);
                        CacheRow.Write(RowFile(batch.Samples[i]), values);
                    }
                }

                done += batch.Samples.Count;
                progress?.Report(new ExtractionProgress(done, samples.Count, 0));
            }
        }
        finally
        {
            model.Source.Graph.train(wasTraining);
        }
    }

    private string RowFile(ImageSample sample) => Path.Combine(Folder, sample.ContentHash[..2], sample.ContentHash + ".f32");

    private static string KeyOf(ClassifierModel model, string tensorName)
    {
        string weights = model.Source.WeightsHash;
        string recipe = $"rows-v2|{model.Source.Preprocessing.Fingerprint()}|{tensorName}|{model.Source.Graph.ChannelsLast}|{model.LoadedSourceStateHash}";
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(recipe)))[..16].ToLowerInvariant();
        return Path.Combine($"{model.Source.Descriptor.Name}-{weights[..16]}", key);
    }
}
