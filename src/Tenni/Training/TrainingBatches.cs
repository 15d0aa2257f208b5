using Tenni.Data;
using Tenni.Features;
using DataLoader = Tenni.Data.DataLoader;

namespace Tenni.Training;

/// <summary>
/// A recipe's training and validation batches: decoded images for the whole network, or, when the cache
/// plan allows, activations of the frozen layers computed once per image and kept on disk (decision 4),
/// visited in the order the images would be. Disposing releases the cached stores.
/// </summary>
public sealed class TrainingBatches : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _stores;

    private TrainingBatches(BatchSource train, BatchSource validation, IReadOnlyList<IDisposable> stores)
    {
        Train = train;
        Validation = validation;
        _stores = stores;
    }

    public BatchSource Train { get; }

    public BatchSource Validation { get; }

    /// <param name="scratchFolder">Where extraction keeps its per-run working files (the run's <c>cache/</c>).</param>
    public static TrainingBatches Create(ClassifierModel model, DatasetSplit split, TrainOptions options, CachePlan cache, string scratchFolder, IProgress<ExtractionProgress>? extraction = null, TextWriter? output = null)
    {
        var (trainLoader, valLoader) = Loaders(model, split, options);
        int multiLabel = options.MultiLabel ? split.Classes.Count : 0;
        if (!cache.Enabled)
        {
            string input = model.Source.Graph.InputName;
            var images = new ImageBatchSource(trainLoader, input, split.Train.Count, multiLabel);
            if (cache.ValidationTensor is not { } tensor)
            {
                return new(images, new ImageBatchSource(valLoader, input, split.Validation.Count, multiLabel), []);
            }

            // Augmented training photos run whole; the validation photos are never augmented: cached.
            var store = new FeatureCache(model, tensor, WritableFolder(options.CacheFolder ?? FeatureCache.DefaultRoot())).Load(split.Validation, extraction, scratchFolder, output);
            return new(images, new CachedBatchSource(store, split.Validation, valLoader, tensor, options.BatchSize, multiLabel), [store]);
        }

        var features = new FeatureCache(model, cache.Tensor!, WritableFolder(options.CacheFolder ?? FeatureCache.DefaultRoot()));
        var train = features.Load(split.Train, extraction, scratchFolder, output);
        try
        {
            var validation = features.Load(split.Validation, extraction, scratchFolder, output);
            return new(
                new CachedBatchSource(train, split.Train, trainLoader, cache.Tensor!, options.BatchSize, multiLabel),
                new CachedBatchSource(validation, split.Validation, valLoader, cache.Tensor!, options.BatchSize, multiLabel),
                [train, validation]);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Batches of a sharded feature store's rows (<c>train --features</c>), visited in the order the
    /// images would be, as the training cache's rows are.
    /// </summary>
    internal static TrainingBatches FromStore(ClassifierModel model, DatasetSplit split, TrainOptions options, MergedStore store)
    {
        var (trainLoader, valLoader) = Loaders(model, split, options);
        var train = store.Rows(split.Train);
        var validation = store.Rows(split.Validation);
        string tensor = store.Metadata.Tensor;
        return new(
            new CachedBatchSource(train, split.Train, trainLoader, tensor, options.BatchSize),
            new CachedBatchSource(validation, split.Validation, valLoader, tensor, options.BatchSize),
            [train, validation]);
    }

    // The loaders decide the order of every epoch, cached or not.
    private static (DataLoader Train, DataLoader Validation) Loaders(ClassifierModel model, DatasetSplit split, TrainOptions options)
    {
        var preprocessing = model.Source.Preprocessing;
        return (
            new DataLoader(split.Train, preprocessing, new DataLoaderOptions { BatchSize = options.BatchSize, Shuffle = true, Seed = options.Seed, Augmentation = options.Augmentation, Sampler = options.Sampler }),
            new DataLoader(split.Validation, preprocessing, new DataLoaderOptions { BatchSize = options.BatchSize, Shuffle = false }));
    }

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }

    // The cache folder is written throughout the run: a file, FIFO or read-only place in its stead is
    // found here, with a message, not as an unexpected error halfway through.
    internal static string WritableFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".tenni-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TenniException($"cache folder '{folder}' cannot be written ({e.Message}); pass --cache-dir a folder you can write, or --no-cache");
        }
    }
}
