using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// Chainer's <c>StandardUpdater</c>: one iteration = one batch → forward → loss → backward → optimizer
/// step, reported as <c>main/loss</c> and <c>main/accuracy</c>. Owns the step's dispose scope. Each epoch
/// reseeds torch's generator from (seed, epoch), so dropout masks do not depend on where a run resumed.
/// </summary>
public sealed class StandardUpdater(ClassifierModel model, BatchSource batches, optim.Optimizer optimizer, Action<long> beforeStep, int seed)
{
    private IEnumerator<(Tensor Input, Tensor Labels)>? _current;
    private int _position;

    public int Epoch { get; set; }

    public long Iteration { get; set; }

    /// <summary>True right after the last iteration of an epoch.</summary>
    public bool IsNewEpoch { get; private set; }

    public int IterationsPerEpoch => batches.BatchCount;

    public void Update(IDictionary<string, double> observation)
    {
        IsNewEpoch = false;
        if (_current is null)
        {
            manual_seed(unchecked((seed * 1_000_003L) + Epoch));
            _current = batches.Epoch(Epoch).GetEnumerator();
            _position = 0;
        }

        if (!_current.MoveNext())
        {
            throw new InvalidOperationException("the epoch has no batches");
        }

        var (input, labels) = _current.Current;
        try
        {
            using var scope = NewDisposeScope();
            model.Train(true);
            beforeStep(Iteration);
            Tensor logits = model.Logits(batches.TensorName, input);
            var (loss, accuracy) = ClassifierModel.LossAndAccuracy(logits, labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            observation["main/loss"] = loss.item<float>();
            observation["main/accuracy"] = accuracy.item<float>();
        }
        catch
        {
            // Stops the loader's producer, which would otherwise wait forever with its prefetched batches.
            _current.Dispose();
            _current = null;
            throw;
        }

        input.Dispose();
        labels.Dispose();
        Iteration++;
        if (++_position == batches.BatchCount)
        {
            _current.Dispose();
            _current = null;
            Epoch++;
            IsNewEpoch = true;
        }
    }
}
