using System.Text.Json.Nodes;
using Tenni.IO;
using Tenni.Training.Extensions;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// Chainer's <c>StandardUpdater</c>: one iteration = one batch → forward → loss → backward → optimizer
/// step, reported as <c>main/loss</c> and <c>main/accuracy</c>. Owns the step's dispose scope. Each epoch
/// reseeds torch's generator from (seed, epoch), so dropout masks do not depend on where a run resumed.
/// A snapshot holds its position, the model's trainable state and the optimizer's moments. The loss is
/// <paramref name="loss"/> (default: the chapter's plain cross-entropy); its random draws (mixup) are
/// seeded by (seed, iteration), so a resumed run draws what the uninterrupted one would have.
/// </summary>
public sealed class StandardUpdater(ITrainableModel model, BatchSource batches, optim.Optimizer optimizer, int seed, ClassificationLoss? loss = null) : IUpdater
{
    private readonly ClassificationLoss _loss = loss ?? new ClassificationLoss();

    private IEnumerator<(Tensor Input, Tensor Labels)>? _current;
    private int _position;

    public int Epoch { get; private set; }

    public long Iteration { get; private set; }

    public bool IsNewEpoch { get; private set; }

    public int IterationsPerEpoch => batches.BatchCount;

    public void Update(IDictionary<string, double> observation)
    {
        IsNewEpoch = false;
        if (_current is null)
        {
            manual_seed(unchecked((seed * 1_000_003L) + Epoch));
            _current = batches.Epoch(Epoch).GetEnumerator();
            SkipDoneBatches();
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
            var rng = new Random(unchecked((int)((seed * 1_000_003L) ^ (Iteration * 0x9E3779B1L))));
            var (value, accuracy) = _loss.Compute(model, batches.TensorName, input, labels, rng);
            optimizer.zero_grad();
            value.backward();
            optimizer.step();
            observation[ObservationKeys.Loss] = value.item<float>();
            observation[ObservationKeys.Accuracy] = accuracy.item<float>();
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

    public JsonObject Save(string folder)
    {
        model.SaveStateTo(Path.Combine(folder, SnapshotFiles.Model));
        using (var stream = File.Create(Path.Combine(folder, SnapshotFiles.Optimizer)))
        {
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                Helper.save_state_dict(writer);
            }

            stream.Flush(flushToDisk: true);
        }

        return new JsonObject
        {
            [ObservationKeys.Epoch] = Epoch,
            [ObservationKeys.Iteration] = Iteration,
            ["optimizer"] = optimizer.GetType().Name,
        };
    }

    public void Restore(JsonObject state, string folder)
    {
        var fields = JsonFields.Wrap(state, Path.Combine(folder, SnapshotFiles.State));
        string saved = fields.String("optimizer");
        if (saved != optimizer.GetType().Name)
        {
            throw new TenniException($"the snapshot in '{folder}' was taken with optimizer {saved}, this run uses {optimizer.GetType().Name}; resume with the options the run started with");
        }

        int epoch = fields.Int(ObservationKeys.Epoch, 0, int.MaxValue);
        long iteration = fields.Long(ObservationKeys.Iteration, 0, long.MaxValue);
        model.LoadStateFrom(Path.Combine(folder, SnapshotFiles.Model));
        LoadOptimizer(Path.Combine(folder, SnapshotFiles.Optimizer));
        (Epoch, Iteration, IsNewEpoch) = (epoch, iteration, false);
        _current?.Dispose();
        _current = null;
    }

    // A snapshot taken by an iteration trigger lies inside an epoch: the same epoch's order (same seed)
    // is replayed up to where it was taken.
    private void SkipDoneBatches()
    {
        long done = Iteration - ((long)Epoch * batches.BatchCount);
        for (_position = 0; _position < done && _current!.MoveNext(); _position++)
        {
            _current.Current.Input.Dispose();
            _current.Current.Labels.Dispose();
        }
    }

    private OptimizerHelper Helper => optimizer as OptimizerHelper
        ?? throw new InvalidOperationException($"optimizer {optimizer.GetType().Name} cannot save its state");

    private void LoadOptimizer(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            Helper.load_state_dict(reader);
        }
        catch (Exception e) when (e is not TenniException and not OutOfMemoryException)
        {
            // The file matched its checksum, so it is what Tenni wrote: TorchSharp refuses it only when
            // this run's parameter groups differ from the snapshot's (other --train-layers or rates).
            throw new TenniException($"the optimizer state '{path}' does not fit this run's parameters ({e.Message}); resume with the options the run started with, or start anew", e);
        }
    }
}
