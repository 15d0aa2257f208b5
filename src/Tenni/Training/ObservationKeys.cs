namespace Tenni.Training;

/// <summary>The keys of a trainer's observation and of the log's entries, as Chainer reports them.</summary>
public static class ObservationKeys
{
    public const string Loss = "main/loss";
    public const string Accuracy = "main/accuracy";
    public const string ValidationLoss = "validation/main/loss";
    public const string ValidationAccuracy = "validation/main/accuracy";
    public const string Epoch = "epoch";
    public const string Iteration = "iteration";
    public const string ElapsedTime = "elapsed_time";

    /// <summary>The L2 strength of an L-BFGS fit of the head.</summary>
    public const string L2 = "l2";

    /// <summary>L-BFGS iterations of that fit.</summary>
    public const string SolverIterations = "lbfgs/iterations";

    /// <summary>The temperature the held-out predictions of that fit chose (<c>docs/training.md</c>); the head's logits are divided by it.</summary>
    public const string Temperature = "temperature";
}
