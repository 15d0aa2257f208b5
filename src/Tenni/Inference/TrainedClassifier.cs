using System.Text.Json.Nodes;
using Tenni.Imaging;
using Tenni.IO;
using Tenni.Models;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Inference;

/// <summary>
/// A trained classifier loaded from its folder (<c>model.json</c> + <c>model.safetensors</c>, as a run
/// folder or its <c>best/</c> holds them): pure data, no code runs. Loading checks the format version,
/// the weights' checksum and that the source model is the one it was trained on.
/// </summary>
public sealed class TrainedClassifier : IDisposable
{
    private TrainedClassifier(ClassifierModel model, IReadOnlyList<string> classes, string folder)
    {
        Model = model;
        Classes = classes;
        Folder = folder;
        model.Train(false);
    }

    public ClassifierModel Model { get; }

    public IReadOnlyList<string> Classes { get; }

    public string Folder { get; }

    public Preprocessing Preprocessing => Model.Source.Preprocessing;

    /// <summary>Loads a run folder's final model (or any folder with model.json), optionally with another copy of the source weights.</summary>
    public static TrainedClassifier Load(string folder, string? sourceWeights = null)
    {
        string description = Path.Combine(folder, "model.json");
        if (!Directory.Exists(folder))
        {
            throw new TenniException($"run folder '{folder}' does not exist");
        }

        if (!File.Exists(description))
        {
            throw new TenniException($"'{folder}' holds no trained model (model.json); expected a run folder written by 'tenni train' or its best/ folder");
        }

        JsonNode json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(description))!;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new TenniException($"'{description}' is not valid JSON ({e.Message}); the file is damaged", e);
        }

        if (json["format"]?.GetValue<string>() != "tenni-classifier")
        {
            throw new TenniException($"'{description}' is not a Tenni classifier description");
        }

        int version = json["format_version"]?.GetValue<int>() ?? 0;
        if (version != TrainedModelDescription.FormatVersion)
        {
            throw new TenniException($"'{description}' has format version {version}; this Tenni reads version {TrainedModelDescription.FormatVersion}");
        }

        string weights = Path.Combine(folder, json["weights"]!.GetValue<string>());
        if (!File.Exists(weights))
        {
            throw new TenniException($"trained weights '{weights}' are missing");
        }

        string? expectedHash = json["weights_sha256"]?.GetValue<string>();
        if (expectedHash is not null && !string.Equals(expectedHash, UserFiles.Sha256(weights), StringComparison.OrdinalIgnoreCase))
        {
            throw new TenniException($"'{weights}' does not match the checksum in model.json: it was changed or truncated after training");
        }

        string sourceName = json["source_model"]!.GetValue<string>();
        // The source weights the run used, unless another copy is given or the file has gone (then the registry's).
        string? recorded = json["source_weights"]?.GetValue<string>();
        sourceWeights ??= recorded is not null && File.Exists(recorded) ? recorded : null;
        WeightFamily? family = json["source_preprocessing"]?.GetValue<string>() is { } f ? Enum.Parse<WeightFamily>(f) : null;
        var source = SourceModel.Load(sourceName, new SourceModelOptions { WeightsPath = sourceWeights, Preprocessing = family });
        try
        {
            string trainedOn = json["source_sha256"]!.GetValue<string>();
            if (!string.Equals(trainedOn, source.WeightsHash, StringComparison.OrdinalIgnoreCase))
            {
                throw new TenniException($"this model was trained on source model '{sourceName}' with weights sha256 {trainedOn[..12]}…, but '{source.WeightsPath}' has {source.WeightsHash[..12]}…; load it with the same source weights");
            }

            string[] classes = json["classes"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray();
            var model = new ClassifierModel(source, json["layer"]!.GetValue<string>(), classes.Length, seed: 0);
            var (tensors, _) = TensorFile.Load(weights);
            model.LoadState(tensors);
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }

            return new TrainedClassifier(model, classes, folder);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Class probabilities [N, classes] for a preprocessed batch.</summary>
    public Tensor Probabilities(Tensor batch)
    {
        using var noGrad = no_grad();
        return Model.Logits(Model.Source.Graph.InputName, batch).softmax(1);
    }

    /// <summary>Class probabilities for decoded images, in order.</summary>
    public float[][] Predict(IReadOnlyList<RgbImage> images)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities = Probabilities(Preprocessing.ToBatch(images)).contiguous();
        float[] flat = probabilities.data<float>().ToArray();
        return Enumerable.Range(0, images.Count).Select(i => flat[(i * Classes.Count)..((i + 1) * Classes.Count)]).ToArray();
    }

    private float[][] PredictPreprocessed(float[] values, int count)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities = Probabilities(AlignedTensor.From(values, count, 3L, Preprocessing.Size, Preprocessing.Size)).contiguous();
        float[] flat = probabilities.data<float>().ToArray();
        return Enumerable.Range(0, count).Select(i => flat[(i * Classes.Count)..((i + 1) * Classes.Count)]).ToArray();
    }

    /// <summary>Predicts files in batches; unreadable files come back with their problem instead of probabilities.</summary>
    public IEnumerable<Prediction> PredictFiles(IReadOnlyList<string> files, int batchSize = 32)
    {
        foreach (var chunk in files.Chunk(Math.Max(1, batchSize)))
        {
            // Each image is preprocessed while the decode budget counts it; only the model-size inputs
            // are kept for the batch, never a batch of full-size images.
            int length = Preprocessing.Length;
            float[] values = new float[chunk.Length * length];
            var problems = new ImageProblem?[chunk.Length];
            Parallel.For(0, chunk.Length, i =>
            {
                var (done, problem) = ImageReader.Read(chunk[i], ImageReader.DefaultMaxPixels, ImageReader.DefaultMaxFileBytes, image =>
                {
                    Preprocessing.Normalize(Preprocessing.Fit(image.Image), values.AsSpan(i * length, length));
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

            float[][] probabilities = good == 0 ? [] : PredictPreprocessed(values[..(good * length)], good);
            int next = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                yield return problems[i] is { } problem
                    ? new Prediction(chunk[i], null, problem.Message)
                    : new Prediction(chunk[i], probabilities[next++], null);
            }
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        Model.Source.Dispose();
    }
}
