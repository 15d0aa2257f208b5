using Tenni.Features;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// libtorch's intra-op threads while a head trains on its own cached input: one, when each step is too
/// small for more. A 512 → 2 head's step is 65,536 multiply-adds (≈ 0.2 ms on one thread); with two
/// threads each of its dozen operators wakes the other thread and waits for it, and on the project's
/// 2 busy cores a step took 2.5–3.7 ms instead (head-step benchmark, docs/benchmarks.md). The numbers
/// do not change (the log's losses and accuracies are identical): these products split rows between
/// threads, never a sum. Larger heads, and steps that run layers after the cache, keep every thread.
/// </summary>
internal static class HeadStepThreads
{
    /// <summary>Multiply-adds per step (batch × inputs × classes) up to which one thread is used: ≈ 1 ms of one core.</summary>
    public const long SingleThreadLimit = 8_000_000;

    /// <summary>Whether every step of <paramref name="model"/> on <paramref name="cache"/>'s rows runs the head alone and is at most <see cref="SingleThreadLimit"/>.</summary>
    public static bool SingleThreaded(ClassifierModel model, CachePlan cache, int batchSize) =>
        SingleThreaded(cache.Tensor, model.Cut.Tensor, batchSize, model.Head.weight!.shape[1], model.Classes);

    /// <param name="cacheTensor">Where the training rows are cached; null when they are not.</param>
    /// <param name="cutTensor">The head's input.</param>
    public static bool SingleThreaded(string? cacheTensor, string cutTensor, int batchSize, long inputs, long classes) =>
        cacheTensor == cutTensor && batchSize * inputs * classes <= SingleThreadLimit;

    /// <summary>Runs <paramref name="action"/> with one intra-op thread when <paramref name="single"/>, then restores the count.</summary>
    public static void Run(bool single, Action action)
    {
        if (!single)
        {
            action();
            return;
        }

        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            action();
        }
        finally
        {
            set_num_threads(threads);
        }
    }
}
