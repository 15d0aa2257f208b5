using Tenni.Features;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// The report's evaluation at the end of training, from the validation photos' cached activations and
/// the model still in memory: the same numbers as loading the saved model and predicting the photos
/// (the cache is exact), without a second model in memory or a second decode and forward pass.
/// </summary>
internal static class CachedValidation
{
    /// <summary>The evaluation of the model saved in <paramref name="modelFolder"/>, or null when the validation photos are not cached.</summary>
    public static Evaluation? Evaluate(ClassifierModel model, DatasetSplit split, TrainOptions options, CachePlan cache, RunFolder run, string modelFolder, TextWriter output)
    {
        if ((cache.Tensor ?? cache.ValidationTensor) is not { } tensor)
        {
            return null;
        }

        // The rows first: loading best/ may change the model's source state, part of the cache's key.
        using var rows = new FeatureCache(model, tensor, TrainingBatches.WritableFolder(options.CacheFolder ?? FeatureCache.DefaultRoot()))
            .Load(split.Validation, null, run.ScratchFolder, output);
        model.LoadStateFrom(Path.Combine(modelFolder, TrainedModelFile.WeightsName));
        model.Train(false);
        var probabilities = new List<float[]>(split.Validation.Count);
        int[] indices = [.. Enumerable.Range(0, split.Validation.Count)];
        foreach (int[] chunk in indices.Chunk(Math.Max(1, options.BatchSize)))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor batch = model.Logits(tensor, rows.Gather(chunk)).softmax(1).cpu().contiguous();
            float[] flat = batch.data<float>().ToArray();
            probabilities.AddRange(Enumerable.Range(0, chunk.Length).Select(i => flat[(i * model.Classes)..((i + 1) * model.Classes)]));
        }

        return Evaluation.From(split.Classes, [.. split.Validation.Select(s => s.Label)], probabilities, [.. split.Validation.Select(s => s.Path)], RunReport.TopLosses);
    }
}
