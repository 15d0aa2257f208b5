using Tenni.IO;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// After a multi-label run: the model's sigmoid probabilities on the validation batches, scored by
/// <see cref="MultiLabelEvaluation"/> at <see cref="TrainOptions.Threshold"/> or a tuned threshold, and
/// saved as <see cref="FileName"/> in the run folder.
/// </summary>
internal static class MultiLabelValidation
{
    public const string FileName = "multilabel-evaluation.json";

    public static MultiLabelEvaluation Evaluate(ITrainableModel model, BatchSource validation, IReadOnlyList<string> classes, double? threshold)
    {
        model.Train(false);
        var truth = new List<IReadOnlyList<int>>();
        var scores = new List<float[]>();
        foreach (var (input, labels) in validation.Epoch(0))
        {
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                float[] probabilities = model.Logits(validation.TensorName, input).sigmoid().contiguous().data<float>().ToArray();
                float[] targets = labels.contiguous().data<float>().ToArray();
                for (int row = 0; row < targets.Length / classes.Count; row++)
                {
                    scores.Add(probabilities[(row * classes.Count)..((row + 1) * classes.Count)]);
                    truth.Add([.. Enumerable.Range(0, classes.Count).Where(k => targets[(row * classes.Count) + k] > 0.5f)]);
                }
            }

            input.Dispose();
            labels.Dispose();
        }

        return MultiLabelEvaluation.From(classes, truth, scores, threshold);
    }

    public static void Save(MultiLabelEvaluation evaluation, string runFolder) =>
        AtomicFile.WriteAllText(Path.Combine(runFolder, FileName), evaluation.ToJson());
}
