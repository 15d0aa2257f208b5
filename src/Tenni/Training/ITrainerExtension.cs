namespace Tenni.Training;

/// <summary>
/// Chainer's extension: called after an iteration when its trigger fires, in priority order
/// (writers 300 before editors 200 before readers 100).
/// </summary>
public interface ITrainerExtension
{
    string Name { get; }

    int Priority { get; }

    /// <summary>Whether to run after the iteration that just finished.</summary>
    bool ShouldRun(Trainer trainer);

    void Run(Trainer trainer);
}

/// <summary>Chainer's extension priorities.</summary>
public static class ExtensionPriority
{
    public const int Writer = 300;
    public const int Editor = 200;
    public const int Reader = 100;
}
