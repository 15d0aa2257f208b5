using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Tests.Training;

/// <summary>Multi-hot float targets switch the loss to sigmoid binary cross-entropy and accuracy to per-label accuracy at 0.5.</summary>
public sealed class MultiLabelLossTests
{
    [Fact]
    public void Plain_MultiHotTargets_MeanBinaryCrossEntropyOverEveryPhotoAndLabel()
    {
        float[] logits = [2f, -1f, 0.5f, -3f, 1f, 0f];
        float[] targets = [1f, 0f, 0f, 0f, 1f, 1f];
        using var scope = NewDisposeScope();

        var (loss, accuracy) = ClassificationLoss.Plain(tensor(logits, [2L, 3]), tensor(targets, [2L, 3]));

        double expected = logits.Zip(targets).Average(p => -((p.Second * Math.Log(Sigmoid(p.First))) + ((1 - p.Second) * Math.Log(1 - Sigmoid(p.First)))));
        Assert.Equal(expected, loss.item<float>(), 5);
        Assert.Equal(5.0 / 6, accuracy.item<float>(), 5); // probability ≥ 0.5 is logit ≥ 0: only 0.5 (target 0) is wrong
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
