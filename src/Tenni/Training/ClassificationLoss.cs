using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// The loss a gradient step minimizes: softmax cross-entropy (Chainer's <c>L.Classifier</c>), optionally
/// with class weights (a weighted mean, as PyTorch's <c>cross_entropy(weight=…)</c>), label smoothing
/// (the target puts <see cref="LabelSmoothing"/> spread evenly over all classes) and mixup (Zhang et al.
/// 2018: each batch is blended with a shuffled copy of itself, λ ~ Beta(α, α), and the loss is the same
/// blend of the two labels' losses). Mixup blends whatever the batch holds: images when the whole
/// network runs, cached activations at the cache tensor otherwise (manifold mixup; docs/training.md).
/// Evaluation always uses the plain loss (<see cref="Plain"/>), so validation numbers stay comparable.
/// </summary>
public sealed record ClassificationLoss
{
    /// <summary>Share of the target spread evenly over the classes, in [0, 1); 0: one-hot targets.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Mixup's α (λ ~ Beta(α, α)); 0: no mixup. fastai's default is 0.4.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>Per-class weights in label order; null: every photo counts the same.</summary>
    public IReadOnlyList<double>? ClassWeights { get; init; }

    /// <summary>True when the loss is the chapter's plain cross-entropy.</summary>
    public bool IsPlain => LabelSmoothing == 0 && MixupAlpha == 0 && ClassWeights is null;

    /// <summary>
    /// The training loss and accuracy of a batch. <paramref name="rng"/> draws mixup's λ and pairing
    /// (seeded by the caller per iteration, so a resumed run mixes the same pairs). With mixup, accuracy
    /// counts a prediction right when it names the label with the larger share.
    /// </summary>
    public (Tensor Loss, Tensor Accuracy) Compute(ITrainableModel model, string tensorName, Tensor input, Tensor labels, Random rng)
    {
        if (IsMultiHot(labels))
        {
            return Plain(model.Logits(tensorName, input), labels); // TrainOptions refuses smoothing, mixup and weights with --multi-label
        }

        using var weight = ClassWeights is null ? null : tensor(ClassWeights.Select(w => (float)w).ToArray());
        if (MixupAlpha == 0 || labels.shape[0] < 2)
        {
            Tensor logits = model.Logits(tensorName, input);
            return (CrossEntropy(logits, labels, weight), Accuracy(logits, labels));
        }

        double lambda = Beta.Sample(rng, MixupAlpha);
        using var pairing = tensor(Permutation((int)labels.shape[0], rng));
        Tensor mixed = (input * lambda) + (input.index_select(0, pairing) * (1 - lambda));
        Tensor partner = labels.index_select(0, pairing);
        Tensor mixedLogits = model.Logits(tensorName, mixed);
        Tensor loss = (CrossEntropy(mixedLogits, labels, weight) * lambda) + (CrossEntropy(mixedLogits, partner, weight) * (1 - lambda));
        return (loss, Accuracy(mixedLogits, lambda >= 0.5 ? labels : partner));
    }

    /// <summary>
    /// Mean softmax cross-entropy and accuracy, as <c>L.Classifier</c> reports them (what the evaluator
    /// reports). Multi-hot float labels [N, K] (multi-label batches) give sigmoid binary cross-entropy, the
    /// mean over N·K, and per-label accuracy at 0.5.
    /// </summary>
    public static (Tensor Loss, Tensor Accuracy) Plain(Tensor logits, Tensor labels) => IsMultiHot(labels)
        ? (nn.functional.binary_cross_entropy_with_logits(logits, labels), logits.ge(0).to_type(ScalarType.Float32).eq(labels).to_type(ScalarType.Float32).mean())
        : (nn.functional.cross_entropy(logits, labels), Accuracy(logits, labels));

    // Single-label batches carry int64 class indices; multi-label ones float32 multi-hot rows.
    private static bool IsMultiHot(Tensor labels) => labels.dtype == ScalarType.Float32;

    private Tensor CrossEntropy(Tensor logits, Tensor labels, Tensor? weight) =>
        nn.functional.cross_entropy(logits, labels, weight: weight, label_smoothing: LabelSmoothing);

    private static Tensor Accuracy(Tensor logits, Tensor labels) => logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean();

    private static long[] Permutation(int n, Random rng)
    {
        long[] order = [.. Enumerable.Range(0, n).Select(i => (long)i)];
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }
}
