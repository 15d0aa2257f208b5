using System.Security.Cryptography;
using Tenni.Data;
using Tenni.Features;
using Tenni.Imaging;
using Tenni.Models;
using static TorchSharp.torch;

namespace Tenni;

/// <summary>What one shard of <see cref="ShardExtractor.Extract"/> did.</summary>
/// <param name="AlreadyComplete">The shard was finished by an earlier run; nothing was read or computed.</param>
public sealed record ShardResult(Shard Shard, int Files, int Rows, int ChunksComputed, int ChunksKept, IReadOnlyList<string> Skipped, bool AlreadyComplete);

/// <summary>
/// Computes one shard of a feature store: lists the whole class-folder tree, hashes every file to find
/// its shard (<see cref="Shard.Owns"/>), and runs the source model up to <paramref name="layer"/> on the
/// shard's images only, writing rows in chunks (<c>docs/scale-out.md</c>). A finished shard is not
/// redone; a killed one resumes after its last complete chunk.
/// </summary>
/// <param name="chunkRows">Rows per chunk: what a killed shard loses at most.</param>
/// <param name="float16">Store rows as float16 (half the disk) instead of float32.</param>
public sealed class ShardExtractor(SourceModel model, string layer, int chunkRows = 1024, bool float16 = false)
{
    // The forward pass runs in batches of this many, as the training cache's does (FeatureCache).
    private const int BatchSize = 32;

    public ShardResult Extract(string dataFolder, Shard shard, string store, IProgress<ExtractionProgress>? progress = null)
    {
        if (chunkRows < 1)
        {
            throw new TenniException($"chunk rows must be at least 1, got {chunkRows}");
        }

        var classes = ImageFolder.ClassNames(dataFolder);
        var metadata = StoreMetadata.For(model, layer, classes, dataFolder, shard.Count, chunkRows, float16);
        Directory.CreateDirectory(store);
        metadata.CreateOrCheck(store, $"shard {shard}");
        if (Completed(store, shard) is { } complete)
        {
            return complete;
        }

        var (entries, skipped) = Inspect(dataFolder, classes, shard);
        var (computed, kept) = new ShardWriter(store, metadata, shard).Write(entries, skipped, chunk => Forward(dataFolder, chunk, metadata.Tensor), progress);
        return new ShardResult(shard, entries.Count, entries.DistinctBy(e => e.Hash).Count(), computed, kept, skipped, AlreadyComplete: false);
    }

    /// <summary>
    /// The shard's result when an earlier run finished it (its <c>done.json</c>), else null. Needs no
    /// model: a rerun of a finished shard (a retried pod, a resubmitted array) returns at once.
    /// </summary>
    public static ShardResult? Completed(string store, Shard shard) =>
        File.Exists(Path.Combine(store, StoreMetadata.FileName)) && new ShardFolder(store, shard).Done() is { } done && done.Index == shard.Index && done.Count == shard.Count
            ? new ShardResult(shard, done.Files, done.Rows, 0, done.Chunks, [], AlreadyComplete: true)
            : null;

    /// <summary>The shard's readable images in the folder's order (class, then path), and its unreadable files.</summary>
    private static (List<StoreEntry> Entries, List<string> Skipped) Inspect(string root, IReadOnlyList<string> classes, Shard shard)
    {
        var files = new List<(string Path, int Label)>();
        for (int label = 0; label < classes.Count; label++)
        {
            files.AddRange(FolderWalker.Walk(Path.Combine(root, classes[label]), skipHidden: true, boundary: root).Files.Select(f => (f, label)));
        }

        // Every shard hashes every file (reading is far cheaper than decoding and the forward pass) and
        // decodes only its own.
        var results = new (StoreEntry? Entry, string? Skip, bool Mine)[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var (path, label) = files[i];
            string relative = Path.GetRelativePath(root, path);
            var (bytes, length, _) = ImageFileBytes.Read(path, ImageReader.DefaultMaxFileBytes);
            // An unreadable file has no content hash; its name decides its shard, which reports it.
            string hash = Convert.ToHexString(SHA256.HashData(bytes is null ? System.Text.Encoding.UTF8.GetBytes(relative) : bytes.AsSpan(0, length))).ToLowerInvariant();
            if (!shard.Owns(hash))
            {
                return;
            }

            var (facts, problem) = ImageReader.Inspect(path, ImageReader.DefaultMaxPixels, ImageReader.DefaultMaxFileBytes);
            results[i] = facts is null
                ? (null, problem!.Message, true)
                : (new StoreEntry(relative, label, facts.ContentHash, facts.Width, facts.Height, facts.Format), null, true);
        });
        return (results.Where(r => r.Entry is not null).Select(r => r.Entry!).ToList(), results.Where(r => r.Skip is not null).Select(r => r.Skip!).ToList());
    }

    // As FeatureCache computes a training run's cached rows: the same loader, batch size and graph call.
    private float[] Forward(string root, IReadOnlyList<StoreEntry> chunk, string tensor)
    {
        var samples = chunk.Select(e => new ImageSample(Path.Combine(root, e.RelativePath), e.Label, e.Hash, e.Width, e.Height, e.Format)).ToList();
        var loader = new DataLoader(samples, model.Preprocessing, new DataLoaderOptions { BatchSize = BatchSize, Shuffle = false });
        var rows = new List<float>();
        bool wasTraining = model.Graph.training;
        model.Graph.eval();
        try
        {
            foreach (var batch in loader.Epoch())
            {
                using (batch)
                using (NewDisposeScope())
                using (no_grad())
                {
                    rows.AddRange(model.ComputeFrozen(batch.Images, [tensor])[tensor].cpu().contiguous().data<float>().ToArray()); // as the training cache computes them
                }
            }
        }
        finally
        {
            model.Graph.train(wasTraining);
        }

        return rows.ToArray();
    }
}
