using Tenni.Imaging;
using Tenni.IO;
using Tenni.Models;
using static TorchSharp.torch;

namespace Tenni.Features;

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
        IReadOnlyList<long> rowShape = model.DescribeLayers().FirstOrDefault(l => l.Name == layer)?.OutputShape ?? RowShapeOf(layer);
        using var writer = new NpyWriter(npyPath, rowShape);
        for (int start = 0; start < files.Count; start += batchSize)
        {
            var chunk = files.Skip(start).Take(batchSize).ToArray();
            var images = Decode(chunk, skipped);
            if (images.Count > 0)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                Tensor batch = model.Preprocessing.ToBatch(images.Select(i => i.Image).ToList());
                Tensor features = model.Features(batch, layer).contiguous();
                writer.Append(features.data<float>().ToArray());
                kept.AddRange(images.Select(i => i.Path));
            }

            progress?.Report(new ExtractionProgress(Math.Min(start + batchSize, files.Count), files.Count, skipped.Count));
        }

        if (kept.Count == 0)
        {
            throw new TenniException($"none of the {files.Count} files is a readable image; first problem: {skipped.FirstOrDefault()?.Reason ?? "no files given"}");
        }

        writer.Commit();
        AtomicFile.WriteAllText(FileListPath(npyPath), string.Join('\n', kept) + "\n");
        return new ExtractionResult(kept, rowShape, skipped);
    }

    /// <summary>The list of files beside a features file: <c>features.npy</c> → <c>features.files.txt</c>.</summary>
    public static string FileListPath(string npyPath) => Path.ChangeExtension(npyPath, null) + ".files.txt";

    private static List<(string Path, RgbImage Image)> Decode(string[] chunk, List<SkippedFile> skipped)
    {
        var decoded = new RgbImage?[chunk.Length];
        var errors = new string?[chunk.Length];
        Parallel.For(0, chunk.Length, i =>
        {
            try
            {
                decoded[i] = ImageDecoder.Decode(chunk[i]);
            }
            catch (TenniException e)
            {
                errors[i] = e.Message;
            }
        });
        var images = new List<(string, RgbImage)>();
        for (int i = 0; i < chunk.Length; i++)
        {
            if (decoded[i] is { } image)
            {
                images.Add((chunk[i], image));
            }
            else
            {
                skipped.Add(new SkippedFile(chunk[i], errors[i]!));
            }
        }

        return images;
    }

    private IReadOnlyList<long> RowShapeOf(string name)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int size = model.Preprocessing.Size;
        return model.Features(zeros(1, 3, size, size), name).shape[1..];
    }
}
