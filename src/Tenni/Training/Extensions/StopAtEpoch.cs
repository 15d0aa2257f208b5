namespace Tenni.Training.Extensions;

/// <summary>Ends this invocation after an epoch (a run can then be resumed); tests use it to simulate an interruption.</summary>
public sealed class StopAtEpoch(int epoch) : ITrainerExtension
{
    public string Name => "StopAtEpoch";

    public int Priority => -200;

    public bool ShouldRun(Trainer trainer) => trainer.Updater.IsNewEpoch && trainer.Updater.Epoch >= epoch;

    public void Run(Trainer trainer) => trainer.StopRequested = true;
}
