using Tenni.Imaging;
using Tenni.IO;
using Tenni.Models;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni;

/// <summary>
/// A trained classifier loaded from its folder (<c>model.json</c> + <c>model.safetensors</c>, as a run
/// folder or its <c>best/</c> holds them): pure data, no code runs. Loading checks the format version,
/// the weights' checksum and that the source model is the one it was trained on.
/// </summary>
public sealed class TrainedClassifier : IDisposable
{
    private TrainedClassifier(ClassifierModel model, IReadOnlyList<string> classes, string folder, HeadTraining? training, double? threshold)
    {
        Threshold = threshold;
        Model = model;
        Training = training;
        Classes = classes;
        Folder = folder;
        model.Train(false);
    }

    public ClassifierModel Model { get; }

    public IReadOnlyList<string> Classes { get; }

    public string Folder { get; }

    /// <summary>How the head was trained, when the model file says (L-BFGS fits: strength, refit, folds).</summary>
    public HeadTraining? Training { get; }

    public Preprocessing Preprocessing => Model.Source.Preprocessing;

    /// <summary>
    /// The model folder of a run to evaluate: its <c>best/</c> model when <paramref name="best"/> and the run
    /// has one (runs stopped early or trained elsewhere may not), otherwise the run's final model.
    /// </summary>
    public static string ModelFolder(string runFolder, bool best = true)
    {
        string bestFolder = Path.Combine(runFolder, "best");
        return best && Directory.Exists(bestFolder) && TrainedModelFile.Exists(bestFolder) ? bestFolder : runFolder;
    }

    /// <summary>A multi-label model's decision threshold: a photo has each label whose probability is at least this; null for single-label models.</summary>
    public double? Threshold { get; }

    /// <summary>Each label's probability is a sigmoid of its own (a set of labels per photo) rather than a softmax over the classes.</summary>
    public bool MultiLabel => Threshold is not null;

    /// <summary>A multi-label prediction's label set: indices whose probability reaches <see cref="Threshold"/>, most probable first.</summary>
    public IReadOnlyList<int> LabelSet(float[] probabilities) =>
        [.. Enumerable.Range(0, probabilities.Length).Where(k => probabilities[k] >= Threshold!.Value).OrderByDescending(k => probabilities[k])];

    /// <summary>Loads a run folder's final model (or any folder with model.json), optionally with another copy of the source weights.</summary>
    /// <param name="precision">The frozen layers' arithmetic; null: the one the model trained with (model.json).</param>
    /// <param name="device">cpu, or cuda with a CUDA build of TorchSharp.</param>
    public static TrainedClassifier Load(string folder, string? sourceWeights = null, Precision? precision = null, string device = Native.Devices.Cpu)
    {
        if (!Directory.Exists(folder))
        {
            throw new TenniException($"run folder '{folder}' does not exist");
        }

        if (!TrainedModelFile.Exists(folder))
        {
            throw new TenniException($"'{folder}' holds no trained model (model.json); expected a run folder written by 'tenni train' or its best/ folder");
        }

        var info = TrainedModelFile.Read(folder);
        // The source weights the run used, unless another copy is given or the file has gone (then the
        // registry's). Only a file with bytes: a device or pipe (size 0) would be read forever.
        sourceWeights ??= info.SourceWeights is { } recorded && File.Exists(recorded) && new FileInfo(recorded).Length > 0 ? recorded : null;
        var source = SourceModel.Load(info.SourceModel, new SourceModelOptions { WeightsPath = sourceWeights, Preprocessing = info.SourcePreprocessing, Precision = precision ?? info.Precision, Device = device });
        try
        {
            var model = info.CreateModel(source);
            return new TrainedClassifier(model, info.Classes, folder, info.Training, info.MultiLabelThreshold);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Class probabilities [N, classes] for a preprocessed batch (per-label sigmoids for a multi-label model).</summary>
    public Tensor Probabilities(Tensor batch)
    {
        using var noGrad = no_grad();
        var logits = Model.Logits(Model.Source.Graph.InputName, batch);
        return MultiLabel ? logits.sigmoid() : logits.softmax(1);
    }

    /// <summary>Class probabilities for decoded images, in order.</summary>
    public float[][] Predict(IReadOnlyList<RgbImage> images)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities = Probabilities(Preprocessing.ToBatch(images)).cpu().contiguous();
        float[] flat = probabilities.data<float>().ToArray();
        return Enumerable.Range(0, images.Count).Select(i => flat[(i * Classes.Count)..((i + 1) * Classes.Count)]).ToArray();
    }

    // Probabilities of `count` photos given as `views` preprocessed views each, averaged over the views.
    private float[][] PredictPreprocessed(float[] values, int count, int views)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities = Probabilities(AlignedTensor.From(values, (long)count * views, 3L, Preprocessing.Size, Preprocessing.Size))
            .view(count, views, Classes.Count).mean([1L]).cpu().contiguous();
        float[] flat = probabilities.data<float>().ToArray();
        return Enumerable.Range(0, count).Select(i => flat[(i * Classes.Count)..((i + 1) * Classes.Count)]).ToArray();
    }

    /// <summary>
    /// Predicts files in batches; unreadable files come back with their problem instead of probabilities.
    /// With <paramref name="tta"/>, each photo's probabilities are the mean over its views.
    /// </summary>
    public IEnumerable<Prediction> PredictFiles(IReadOnlyList<string> files, int batchSize = 32, TestTimeAugmentation tta = TestTimeAugmentation.None) =>
        PredictInputs(files, batchSize, tta, path => path, (path, use) => ImageReader.Read(path, ImageReader.DefaultMaxPixels, ImageReader.DefaultMaxFileBytes, use));

    /// <summary>
    /// Predicts images held in memory (uploads), named for the results, decoded with the same checks as
    /// files and at most <paramref name="maxPixels"/> pixels each: the same numbers as <see cref="PredictFiles"/>.
    /// </summary>
    internal IEnumerable<Prediction> PredictEncoded(IReadOnlyList<(string Name, byte[] Bytes)> images, long maxPixels, int batchSize = 32) =>
        PredictInputs(images, batchSize, TestTimeAugmentation.None, image => image.Name, (image, use) => ImageReader.ReadBytes(image.Bytes, image.Bytes.Length, image.Name, maxPixels, use));

    private IEnumerable<Prediction> PredictInputs<TInput>(IReadOnlyList<TInput> inputs, int batchSize, TestTimeAugmentation tta, Func<TInput, string> name, Func<TInput, Func<DecodedImage, string>, (string?, ImageProblem?)> read)
    {
        int views = TestTimeViews.Count(tta);
        int length = Preprocessing.Length * views;
        foreach (var chunk in inputs.Chunk(Math.Max(1, batchSize)))
        {
            // Each image is preprocessed while the decode budget counts it; only the model-size inputs
            // are kept for the batch, never a batch of full-size images.
            float[] values = new float[chunk.Length * length];
            var problems = new ImageProblem?[chunk.Length];
            Parallel.For(0, chunk.Length, i =>
            {
                var (done, problem) = read(chunk[i], image =>
                {
                    int view = 0;
                    foreach (var fitted in TestTimeViews.Of(image.Image, Preprocessing, tta))
                    {
                        Preprocessing.Normalize(fitted, values.AsSpan((i * length) + (view++ * Preprocessing.Length), Preprocessing.Length));
                    }

                    return image.Format;
                });
                problems[i] = done is null ? problem : null;
            });
            int good = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                if (problems[i] is null)
                {
                    Array.Copy(values, i * length, values, good++ * length, length); // readable rows to the front, in order
                }
            }

            float[][] probabilities = good == 0 ? [] : PredictPreprocessed(values[..(good * length)], good, views);
            int next = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                yield return problems[i] is { } problem
                    ? new Prediction(name(chunk[i]), null, problem.Message)
                    : new Prediction(name(chunk[i]), probabilities[next++], null);
            }
        }
    }

    /// <summary>
    /// Evaluates the classifier on labelled photos (labels in this classifier's class order): see
    /// <see cref="Evaluation"/>. Unreadable photos are left out and returned with their problem.
    /// </summary>
    public (Evaluation Evaluation, IReadOnlyList<Prediction> Unreadable) Evaluate(IReadOnlyList<Data.ImageSample> samples, int batchSize = 32, TestTimeAugmentation tta = TestTimeAugmentation.None, int topLosses = 10, IProgress<ExtractionProgress>? progress = null)
    {
        if (MultiLabel)
        {
            throw new TenniException($"'{Folder}' is a multi-label model; its validation scores are in {Tenni.Training.MultiLabelValidation.FileName} of its run folder (tenni evaluate scores single-label models)");
        }

        var predictions = PredictFiles([.. samples.Select(s => s.Path)], batchSize, tta).Reported(samples.Count, progress).ToList();
        int[] readable = [.. Enumerable.Range(0, samples.Count).Where(i => predictions[i].Probabilities is not null)];
        var evaluation = Evaluation.From(Classes, [.. readable.Select(i => samples[i].Label)], [.. readable.Select(i => predictions[i].Probabilities!)], [.. readable.Select(i => samples[i].Path)], topLosses);
        return (evaluation, [.. predictions.Where(p => p.Probabilities is null)]);
    }

    public void Dispose()
    {
        Model.Dispose();
        Model.Source.Dispose();
    }
}
