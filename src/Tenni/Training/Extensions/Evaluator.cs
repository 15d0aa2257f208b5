using static TorchSharp.torch;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>extensions.Evaluator</c>: after each epoch, runs the model in evaluation mode over the
/// validation batches and reports <c>validation/main/loss</c> and <c>validation/main/accuracy</c>,
/// averaged over images (Chainer averages over batches; the two differ only when the last batch is short).
/// </summary>
public sealed class Evaluator(ITrainableModel model, BatchSource validation) : ITrainerExtension
{
    public int Priority => ExtensionPriority.Writer;

    public void Run(Trainer trainer)
    {
        var (loss, accuracy) = Evaluate();
        trainer.Observation[ObservationKeys.ValidationLoss] = loss;
        trainer.Observation[ObservationKeys.ValidationAccuracy] = accuracy;
    }

    public (double Loss, double Accuracy) Evaluate()
    {
        model.Train(false);
        double lossSum = 0;
        double correct = 0;
        int count = 0;
        foreach (var (input, labels) in validation.Epoch(0))
        {
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var (loss, accuracy) = ClassificationLoss.Plain(model.Logits(validation.TensorName, input), labels);
                int n = (int)labels.shape[0];
                lossSum += loss.item<float>() * n;
                correct += accuracy.item<float>() * n;
                count += n;
            }

            input.Dispose();
            labels.Dispose();
        }

        return count == 0 ? (double.NaN, double.NaN) : (lossSum / count, correct / count);
    }
}
