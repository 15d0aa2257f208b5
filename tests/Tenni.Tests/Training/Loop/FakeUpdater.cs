using System.Text.Json.Nodes;
using Tenni.Training;

namespace Tenni.Tests.Training.Loop;

/// <summary>
/// An updater that computes nothing: each iteration reports <c>main/loss</c> from a given sequence
/// (by iteration number) and counts epochs, so the trainer and its extensions can be tested exactly.
/// </summary>
internal sealed class FakeUpdater(int iterationsPerEpoch, Func<long, double>? loss = null) : IUpdater
{
    public int Epoch { get; private set; }

    public long Iteration { get; private set; }

    public bool IsNewEpoch { get; private set; }

    public int IterationsPerEpoch => iterationsPerEpoch;

    public List<long> Updated { get; } = [];

    /// <summary>Throws on this iteration (counted from 0), to test error handling.</summary>
    public long? FailAt { get; init; }

    public void Update(IDictionary<string, double> observation)
    {
        if (Iteration == FailAt)
        {
            throw new InvalidOperationException($"failing at iteration {Iteration}");
        }

        Updated.Add(Iteration);
        observation[ObservationKeys.Loss] = loss?.Invoke(Iteration) ?? 1.0 / (Iteration + 1);
        Iteration++;
        IsNewEpoch = Iteration % iterationsPerEpoch == 0;
        if (IsNewEpoch)
        {
            Epoch++;
        }
    }

    public JsonObject Save(string folder) => new() { ["epoch"] = Epoch, ["iteration"] = Iteration };

    public void Restore(JsonObject state, string folder)
    {
        Epoch = state["epoch"]!.GetValue<int>();
        Iteration = state["iteration"]!.GetValue<long>();
        IsNewEpoch = false;
    }
}

/// <summary>An extension that reports a fixed validation value per epoch, as an evaluator would.</summary>
internal sealed class FixedEvaluator(params double[] accuracyPerEpoch) : ITrainerExtension
{
    public int Priority => ExtensionPriority.Writer;

    public void Run(Trainer trainer)
    {
        double accuracy = accuracyPerEpoch[trainer.Updater.Epoch - 1];
        trainer.Observation[ObservationKeys.ValidationAccuracy] = accuracy;
        trainer.Observation[ObservationKeys.ValidationLoss] = 1 - accuracy;
    }
}

/// <summary>Records which hooks ran, in order.</summary>
internal sealed class RecordingExtension(List<string> calls, string name, int priority = ExtensionPriority.Reader, ITrigger? trigger = null) : ITrainerExtension
{
    public string Name => name;

    public int Priority => priority;

    public ITrigger Trigger => trigger ?? IntervalTrigger.Epochs(1);

    public void Initialize(Trainer trainer) => calls.Add($"{name}.initialize");

    public void Run(Trainer trainer) => calls.Add($"{name}@{trainer.Updater.Iteration}");

    public void Finalize(Trainer trainer) => calls.Add($"{name}.finalize");

    public void OnError(Trainer trainer, Exception error) => calls.Add($"{name}.error:{error.GetType().Name}");
}
