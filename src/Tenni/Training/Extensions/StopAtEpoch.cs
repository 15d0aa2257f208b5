namespace Tenni.Training.Extensions;

/// <summary>Ends this invocation after an epoch (a run can then be resumed); tests use it to simulate an interruption.</summary>
internal sealed class StopAtEpoch(int epoch) : ITrainerExtension
{
    public int Priority => -200;

    public void Run(Trainer trainer)
    {
        if (trainer.Updater.Epoch >= epoch)
        {
            trainer.RequestStop();
        }
    }
}
