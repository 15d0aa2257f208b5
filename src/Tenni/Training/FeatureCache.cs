using System.Security.Cryptography;
using System.Text;
using Tenni.Data;
using Tenni.Features;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// A persistent cache of one tensor per image, keyed by the source model's weights (content hash), the
/// preprocessing and the tensor, and by each image's content hash: a second run on the same images,
/// in any folder, skips extraction. Each row is written atomically, so an interrupted extraction keeps
/// what it finished.
/// </summary>
public sealed class FeatureCache(ClassifierModel model, string tensorName, string root)
{
    public string Folder { get; } = Path.Combine(root, KeyOf(model, tensorName));

    /// <summary>The default cache root: <c>$XDG_CACHE_HOME/tenni/features</c> or <c>~/.cache/tenni/features</c>.</summary>
    public static string DefaultRoot() => Path.Combine(IO.UserFiles.CacheRoot(), "features");

    /// <summary>Computes what is missing, then returns the rows of <paramref name="samples"/> in order.</summary>
    public FeatureStore Load(IReadOnlyList<ImageSample> samples, IProgress<ExtractionProgress>? progress, string scratchFolder)
    {
        Directory.CreateDirectory(Folder);
        var missing = samples.Where(s => !File.Exists(RowFile(s))).DistinctBy(s => s.ContentHash).ToList();
        if (missing.Count > 0)
        {
            Extract(missing, progress);
        }

        long[] rowShape = RowShape();
        return FeatureStore.FromRowFiles(samples.Select(RowFile).ToArray(), rowShape, scratchFolder);
    }

    /// <summary>How many of <paramref name="samples"/> are already cached.</summary>
    public int CachedCount(IEnumerable<ImageSample> samples) => samples.Count(s => File.Exists(RowFile(s)));

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
                        IO.AtomicFile.Write(RowFile(batch.Samples[i]), s => s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
                    }
                }

                done += batch.Samples.Count;
                progress?.Report(new ExtractionProgress(done, samples.Count, 0));
            }

            File.WriteAllText(Path.Combine(Folder, "shape.txt"), string.Join(",", TensorShape()));
        }
        finally
        {
            model.Source.Graph.train(wasTraining);
        }
    }

    private long[] TensorShape()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int size = model.Source.Preprocessing.Size;
        return model.Source.Graph.Run(zeros(1, 3, size, size), [tensorName])[tensorName].shape[1..];
    }

    private long[] RowShape()
    {
        string file = Path.Combine(Folder, "shape.txt");
        if (!File.Exists(file))
        {
            File.WriteAllText(file, string.Join(",", TensorShape()));
        }

        return File.ReadAllText(file).Split(',').Select(long.Parse).ToArray();
    }

    private string RowFile(ImageSample sample) => Path.Combine(Folder, sample.ContentHash[..2], sample.ContentHash + ".f32");

    private static string KeyOf(ClassifierModel model, string tensorName)
    {
        string weights = model.Source.WeightsHash;
        var p = model.Source.Preprocessing;
        string recipe = $"{p.Kind}|{p.Size}|{p.ResizeShorterSide}|{p.Filter}|{p.Bgr}|{p.Scale}|{string.Join(",", p.Mean)}|{string.Join(",", p.Std ?? [])}|{(p.MeanImage is null ? "" : Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.MeanImage.AsSpan()))))}|{tensorName}|{model.Source.Graph.ChannelsLast}|{model.LoadedSourceStateHash}";
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(recipe)))[..16].ToLowerInvariant();
        return Path.Combine($"{model.Source.Descriptor.Name}-{weights[..16]}", key);
    }
}
