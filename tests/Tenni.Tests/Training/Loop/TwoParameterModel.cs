using Tenni.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Tenni.Tests.Training.Loop;

/// <summary>
/// The smallest classifier the loop can train: one input value x, logits [0, w·x + b] for two classes
/// (logistic regression), two parameters. Lets the trainer, updater and extensions be tested in
/// milliseconds, without a source model.
/// </summary>
internal sealed class TwoParameterModel : ITrainableModel, IDisposable
{
    public TwoParameterModel(float w = 0, float b = 0)
    {
        W = new TorchSharp.Modules.Parameter(tensor(new[] { w }));
        B = new TorchSharp.Modules.Parameter(tensor(new[] { b }));
    }

    public TorchSharp.Modules.Parameter W { get; }

    public TorchSharp.Modules.Parameter B { get; }

    public bool Training { get; private set; }

    public IEnumerable<TorchSharp.Modules.Parameter> Parameters => [W, B];

    public void Train(bool training) => Training = training;

    public Tensor Logits(string tensorName, Tensor input)
    {
        Tensor score = (input.flatten() * W) + B;
        return stack([zeros_like(score), score], 1);
    }

    public IEnumerable<(string Name, Tensor Value)> TrainableState() => [("w", W), ("b", B)];

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        W.copy_(state["w"]);
        B.copy_(state["b"]);
    }

    public void Dispose()
    {
        W.Dispose();
        B.Dispose();
    }
}

/// <summary>Batches of one input value per sample, labelled 1 when x &gt; 0 (separable), in a per-epoch shuffled order.</summary>
internal sealed class LineBatchSource(int count, int batchSize, int seed = 0) : BatchSource
{
    public override string TensorName => "x";

    public override int Count => count;

    public override int BatchCount => (count + batchSize - 1) / batchSize;

    public override IEnumerable<(Tensor Input, Tensor Labels)> Epoch(int epoch)
    {
        var random = new Random(seed + epoch);
        int[] order = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray();
        for (int start = 0; start < count; start += batchSize)
        {
            int[] chunk = order[start..Math.Min(start + batchSize, count)];
            float[] x = chunk.Select(i => (i - (count / 2f) + 0.5f) / count).ToArray();
            long[] y = x.Select(v => v > 0 ? 1L : 0L).ToArray();
            yield return (tensor(x).DetachFromDisposeScope(), tensor(y).DetachFromDisposeScope());
        }
    }
}
