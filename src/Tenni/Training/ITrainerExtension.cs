namespace Tenni.Training;

/// <summary>
/// Chainer's extension: run after an iteration when its trigger fires, in priority order (writers 300
/// before editors 200 before readers 100). <see cref="Trainer.Extend"/> may override the default trigger,
/// priority and name. An extension with state to carry across a resume also implements <see cref="ISnapshotState"/>.
/// </summary>
public interface ITrainerExtension
{
    /// <summary>The default name, unique in a trainer (a second one of the same name gets <c>_1</c>, as in Chainer).</summary>
    string Name => GetType().Name;

    int Priority => ExtensionPriority.Reader;

    /// <summary>When to run unless <see cref="Trainer.Extend"/> says otherwise; the default: every epoch.</summary>
    ITrigger Trigger => IntervalTrigger.Epochs(1);

    /// <summary>Once before the first iteration of this invocation (after a resume restored the state).</summary>
    void Initialize(Trainer trainer)
    {
    }

    void Run(Trainer trainer);

    /// <summary>Once when training ends, normally or not (Chainer's <c>finalize</c>), in a <c>finally</c>.</summary>
    void Finalize(Trainer trainer)
    {
    }

    /// <summary>When an iteration or an extension threw, before <see cref="Finalize"/> (Chainer's <c>on_error</c>).</summary>
    void OnError(Trainer trainer, Exception error)
    {
    }
}

/// <summary>Chainer's extension priorities.</summary>
public static class ExtensionPriority
{
    public const int Writer = 300;
    public const int Editor = 200;
    public const int Reader = 100;
}
