using Tenni.Imaging;
using Tenni.IO;
using Tenni.Models;
using Tenni.Features;
using static TorchSharp.torch;

namespace Tenni;

/// <summary>
/// Chainer's <c>model.extract(images, layers=[...])</c> over files: decodes and preprocesses each batch in
/// parallel, runs the source model up to one layer, and streams the rows to a NumPy file.
/// </summary>
public sealed class FeatureExtractor(SourceModel model, string layer, int batchSize = 32)
{
    /// <summary>
    /// Writes the layer's output for every readable file to <paramref name="npyPath"/> (float32, rows in
    /// file order) and the list of those files to <see cref="FileListPath"/>. Unreadable files are skipped
    /// and returned with the reason.
    /// </summary>
    public ExtractionResult ExtractToNpy(IReadOnlyList<string> files, string npyPath, IProgress<ExtractionProgress>? progress = null)
    {
        if (batchSize < 1)
        {
            throw new TenniException($"batch size must be at least 1, got {batchSize}");
        }

        var kept = new List<string>();
        var skipped = new List<SkippedFile>();
        IReadOnlyList<long> rowShape = model.OutputShape(layer);
        using var writer = new NpyWriter(npyPath, rowShape);
        var chunks = files.Chunk(batchSize).ToArray();

        // Decoding batch k + 1 overlaps the forward pass of batch k.
        Task<Prepared> next = Task.Run(() => Prepare(chunks.ElementAtOrDefault(0) ?? []));
        for (int k = 0; k < chunks.Length; k++)
        {
            Prepared current = next.GetAwaiter().GetResult();
            next = Task.Run(() => Prepare(chunks.ElementAtOrDefault(k + 1) ?? []));
            skipped.AddRange(current.Skipped);
            if (current.Paths.Count > 0)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                Tensor batch = AlignedTensor.From(current.Values, current.Paths.Count, 3L, model.Preprocessing.Size, model.Preprocessing.Size);
                Tensor features = model.Features(batch, layer).contiguous();
                writer.Append(features.data<float>().ToArray());
                kept.AddRange(current.Paths);
            }

            progress?.Report(new ExtractionProgress(Math.Min((k + 1) * batchSize, files.Count), files.Count, skipped.Count));
        }

        if (kept.Count == 0)
        {
            throw new TenniException($"none of the {files.Count} files is a readable image; first problem: {skipped.FirstOrDefault()?.Reason ?? "no files given"}");
        }

        writer.Commit();
        // One name per line, escaped as in the run's lists, so row i of the .npy is line i whatever the names hold.
        AtomicFile.WriteAllText(FileListPath(npyPath), string.Concat(kept.Select(p => TextEscaping.ToListField(p) + "\n")));
        return new ExtractionResult(kept, rowShape, skipped);
    }

    /// <summary>The list of files beside a features file: <c>features.npy</c> → <c>features.files.txt</c>.</summary>
    public static string FileListPath(string npyPath) => Path.ChangeExtension(npyPath, null) + ".files.txt";

    private Prepared Prepare(string[] chunk)
    {
        var values = new float[chunk.Length * model.Preprocessing.Length];
        var problems = new string?[chunk.Length];
        Parallel.For(0, chunk.Length, i =>
        {
            // Preprocessed while the decode budget still counts the full-size image.
            var (done, problem) = ImageReader.Read(chunk[i], ImageReader.DefaultMaxPixels, ImageReader.DefaultMaxFileBytes, image =>
            {
                model.Preprocessing.Normalize(model.Preprocessing.Fit(image.Image), values.AsSpan(i * model.Preprocessing.Length, model.Preprocessing.Length));
                return image.Format;
            });
            problems[i] = done is null ? problem!.Message : null;
        });

        // Compact the rows of readable files to the front, in order.
        var paths = new List<string>();
        for (int i = 0; i < chunk.Length; i++)
        {
            if (problems[i] is null)
            {
                Array.Copy(values, i * model.Preprocessing.Length, values, paths.Count * model.Preprocessing.Length, model.Preprocessing.Length);
                paths.Add(chunk[i]);
            }
        }

        var skipped = chunk.Zip(problems).Where(p => p.Second is not null).Select(p => new SkippedFile(p.First, p.Second!)).ToList();
        return new Prepared(values[..(paths.Count * model.Preprocessing.Length)], paths, skipped);
    }

    private sealed record Prepared(float[] Values, List<string> Paths, List<SkippedFile> Skipped);
}
