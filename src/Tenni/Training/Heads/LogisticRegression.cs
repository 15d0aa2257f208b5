using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// L2-regularized multinomial logistic regression, solved with L-BFGS to a stated tolerance: the head
/// that a frozen network's features need when photos are few and classes many (issue 19). Minimizes
/// <c>mean cross-entropy + (l2 / 2)·‖W‖²</c> (the bias is not penalized), which is scikit-learn's
/// <c>LogisticRegression(C = 1 / (l2·N))</c>. Computed in float64 on the CPU: a head is at most a few
/// million values and every evaluation is two matrix products. With class weights, the cross-entropy is
/// their weighted mean (Σ w_y·CE / Σ w_y, as PyTorch's <c>cross_entropy(weight=…)</c>).
/// </summary>
internal static class LogisticRegression
{
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <param name="features">[N, d] inputs of the head.</param>
    /// <param name="labels">[N] class indices.</param>
    /// <param name="initialWeight">[K, d] start (a warm start along a regularization path); zeros when null.</param>
    /// <param name="classWeights">[K] weights of each class's photos in the loss; null: all 1.</param>
    public static LogisticRegressionFit Fit(Tensor features, Tensor labels, int classes, double l2, LogisticRegressionOptions? options = null, Tensor? initialWeight = null, Tensor? initialBias = null, IReadOnlyList<double>? classWeights = null)
    {
        options ??= new LogisticRegressionOptions();
        // Every operation here is tiny: libtorch's intra-op threads only add synchronisation, which on a
        // busy machine cost 40× (measured: 15 ms per 148×512×37 product with 2 threads, 0.4 ms with 1).
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            return Solve(features, labels, classes, l2, options, initialWeight, initialBias, classWeights);
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private static LogisticRegressionFit Solve(Tensor features, Tensor labels, int classes, double l2, LogisticRegressionOptions options, Tensor? initialWeight, Tensor? initialBias, IReadOnlyList<double>? classWeights)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var problem = new Problem(features.to_type(ScalarType.Float64).flatten(1), labels.to_type(ScalarType.Int64), classes, l2, classWeights);
        Tensor theta = problem.Pack(
            initialWeight?.to_type(ScalarType.Float64) ?? zeros(classes, problem.Dimensions, dtype: ScalarType.Float64),
            initialBias?.to_type(ScalarType.Float64) ?? zeros(classes, dtype: ScalarType.Float64)).DetachFromDisposeScope();
        var (iterations, value, gradientNorm, converged) = Minimize(problem, ref theta, options);
        using var solution = theta;
        var (weight, bias) = problem.Unpack(solution);
        return new LogisticRegressionFit(
            weight.to_type(ScalarType.Float32).contiguous().MoveToOuterDisposeScope(),
            bias.to_type(ScalarType.Float32).contiguous().MoveToOuterDisposeScope(),
            iterations,
            value,
            gradientNorm,
            converged);
    }

    /// <summary>Mean cross-entropy and accuracy of a head on features (no penalty): what the log reports.</summary>
    public static (double Loss, double Accuracy) Evaluate(Tensor weight, Tensor bias, Tensor features, Tensor labels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logits = features.flatten(1).matmul(weight.t()) + bias;
        return (nn.functional.cross_entropy(logits, labels).item<float>(), logits.argmax(1).eq(labels).to_type(ScalarType.Float64).mean().item<double>());
    }

    // Nocedal & Wright, Numerical Optimization, algorithm 7.4 (two-loop recursion) with a backtracking
    // line search on the Armijo condition; curvature pairs with s·y ≤ 0 are skipped, so the implied
    // Hessian stays positive definite. The objective is convex, so this converges to the one minimum.
    // "s·y ≤ 0" is tested relative to y·y (as L-BFGS-B does): an absolute threshold would skip the pairs of
    // the small steps near the minimum, where s·y ≈ s·H·s is tiny but positive, and leave a stale history.
    // Each iteration runs in its own dispose scope; only theta, its gradient and the history outlive it.
    private static (int Iterations, double Value, double GradientNorm, bool Converged) Minimize(Problem problem, ref Tensor theta, LogisticRegressionOptions options)
    {
        var (value, gradient) = problem.Evaluate(theta);
        var history = new LinkedList<(Tensor S, Tensor Y, double Rho)>();
        try
        {
            for (int iteration = 0; iteration < options.MaxIterations; iteration++)
            {
                using var scope = NewDisposeScope();
                double gradientNorm = gradient.abs().max().item<double>();
                if (gradientNorm <= options.GradientTolerance)
                {
                    return (iteration, value, gradientNorm, true);
                }

                Tensor direction = Direction(gradient, history);
                double slope = direction.dot(gradient).item<double>();
                if (slope >= 0)
                {
                    // Not a descent direction (rounding after many steps): restart from steepest descent.
                    Clear(history);
                    direction = gradient.neg();
                    slope = -gradient.dot(gradient).item<double>();
                }

                double step = history.Count == 0 ? Math.Min(1, 1 / gradient.abs().sum().item<double>()) : 1;
                Tensor next = theta;
                double nextValue = double.PositiveInfinity;
                Tensor nextGradient = gradient;
                for (int trial = 0; trial < 40; trial++, step *= 0.5)
                {
                    next = theta + (step * direction);
                    (nextValue, nextGradient) = problem.Evaluate(next);
                    if (nextValue <= value + (1e-4 * step * slope))
                    {
                        break;
                    }
                }

                if (!(nextValue < value))
                {
                    return (iteration, value, gradientNorm, false); // no further decrease in float64: as far as it goes
                }

                Tensor s = next - theta;
                Tensor y = nextGradient - gradient;
                double sy = s.dot(y).item<double>();
                if (sy > MachineEpsilon * y.dot(y).item<double>())
                {
                    history.AddLast((s.DetachFromDisposeScope(), y.DetachFromDisposeScope(), 1 / sy));
                    if (history.Count > options.History)
                    {
                        history.First!.Value.S.Dispose();
                        history.First.Value.Y.Dispose();
                        history.RemoveFirst();
                    }
                }

                bool stalled = Math.Abs(value - nextValue) <= options.ValueTolerance * Math.Max(1, Math.Abs(value));
                theta.Dispose();
                gradient.Dispose();
                (theta, value, gradient) = (next.DetachFromDisposeScope(), nextValue, nextGradient.DetachFromDisposeScope());
                if (stalled)
                {
                    double norm = gradient.abs().max().item<double>();
                    return (iteration + 1, value, norm, norm <= options.GradientTolerance);
                }
            }

            return (options.MaxIterations, value, gradient.abs().max().item<double>(), false);
        }
        finally
        {
            Clear(history);
            gradient.Dispose();
        }
    }

    private static void Clear(LinkedList<(Tensor S, Tensor Y, double Rho)> history)
    {
        foreach (var (s, y, _) in history)
        {
            s.Dispose();
            y.Dispose();
        }

        history.Clear();
    }

    private static Tensor Direction(Tensor gradient, LinkedList<(Tensor S, Tensor Y, double Rho)> history)
    {
        Tensor q = gradient.clone();
        var alphas = new Stack<double>();
        for (var node = history.Last; node is not null; node = node.Previous)
        {
            var (s, y, rho) = node.Value;
            double alpha = rho * s.dot(q).item<double>();
            alphas.Push(alpha);
            q.sub_(y * alpha);
        }

        if (history.Last is { } last)
        {
            var (s, y, _) = last.Value;
            q.mul_(s.dot(y).item<double>() / y.dot(y).item<double>()); // H0 = (s·y / y·y) I
        }

        for (var node = history.First; node is not null; node = node.Next)
        {
            var (s, y, rho) = node.Value;
            double beta = rho * y.dot(q).item<double>();
            q.add_(s * (alphas.Pop() - beta));
        }

        return q.neg();
    }

    /// <summary>The objective and its gradient over a flat parameter vector [W (K·d), b (K)].</summary>
    internal sealed class Problem(Tensor x, Tensor labels, int classes, double l2, IReadOnlyList<double>? classWeights = null)
    {
        private readonly Tensor _oneHot = nn.functional.one_hot(labels, classes).to_type(ScalarType.Float64);

        // Each photo's share of the loss, [N, 1]: 1/N, or w_y / Σ w_y with class weights.
        private readonly Tensor _share = Shares(labels, classWeights);

        public long Dimensions { get; } = x.shape[1];

        public Tensor Pack(Tensor weight, Tensor bias) => cat([weight.flatten(), bias.flatten()]);

        public (Tensor Weight, Tensor Bias) Unpack(Tensor theta) =>
            (theta.narrow(0, 0, classes * Dimensions).view(classes, Dimensions), theta.narrow(0, classes * Dimensions, classes));

        /// <summary>The objective and its gradient (in the caller's dispose scope).</summary>
        public (double Value, Tensor Gradient) Evaluate(Tensor theta)
        {
            var (weight, bias) = Unpack(theta);
            Tensor logits = x.matmul(weight.t()) + bias;
            Tensor logProbabilities = logits.log_softmax(1);
            double crossEntropy = -(logProbabilities * _oneHot * _share).sum().item<double>();
            double penalty = 0.5 * l2 * weight.square().sum().item<double>();
            Tensor residual = (logProbabilities.exp() - _oneHot) * _share;
            Tensor gradientWeight = residual.t().matmul(x) + (weight * l2);
            // dim: named, not sum(0): a literal 0 converts to the ScalarType enum, and sum(ScalarType.Byte)
            // is the sum of every element as one byte, not the [K] sums over samples.
            Tensor gradientBias = residual.sum(dim: 0);
            return (crossEntropy + penalty, Pack(gradientWeight, gradientBias));
        }

        private static Tensor Shares(Tensor labels, IReadOnlyList<double>? classWeights)
        {
            long n = labels.shape[0];
            if (classWeights is null)
            {
                return full(n, 1, 1.0 / n, dtype: ScalarType.Float64);
            }

            Tensor perPhoto = tensor(classWeights.ToArray(), dtype: ScalarType.Float64).index_select(0, labels).unsqueeze(1);
            return perPhoto / perPhoto.sum();
        }
    }
}

/// <summary>When L-BFGS stops: the largest gradient component at or below <see cref="GradientTolerance"/> (converged), a relative change of the objective below <see cref="ValueTolerance"/>, or <see cref="MaxIterations"/>.</summary>
internal sealed record LogisticRegressionOptions
{
    public double GradientTolerance { get; init; } = 1e-5;

    public double ValueTolerance { get; init; } = 1e-12;

    public int MaxIterations { get; init; } = 1000;

    /// <summary>Curvature pairs kept (L-BFGS's m).</summary>
    public int History { get; init; } = 10;
}

/// <summary>A fitted head: [K, d] weights and [K] bias (float32), and how the solver ended.</summary>
internal sealed record LogisticRegressionFit(Tensor Weight, Tensor Bias, int Iterations, double Objective, double GradientNorm, bool Converged);
