namespace Tenni.Training.Extensions;

/// <summary>
/// The learning-rate schedule as an extension (Chainer's <c>LinearShift</c>, Keras's
/// <c>LearningRateScheduler</c>): before the first step and after every step, sets each group's rate for
/// the next iteration to its base rate times the schedule's factor at that iteration of the whole run.
/// </summary>
public sealed class LearningRateScheduler(TrainingOptimizer optimizer, LearningRateSchedule schedule) : ITrainerExtension
{
    public int Priority => ExtensionPriority.Writer;

    public ITrigger Trigger => IntervalTrigger.Iterations(1);

    // Also after a resume: the rate of the iteration the run continues with.
    public void Initialize(Trainer trainer) => Run(trainer);

    public void Run(Trainer trainer) => optimizer.Scale(schedule.Factor(trainer.Updater.Iteration, trainer.TotalIterations));
}
