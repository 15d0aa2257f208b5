#!/usr/bin/env python3
"""Reference solutions for Tenni's LogisticRegression (LogisticRegressionTests), from scikit-learn.

Generates the test data only; the tests never run Python. Debian 12: apt-get install python3-sklearn
python3-numpy (scikit-learn 1.2.1, numpy 1.24.2, scipy 1.10.1), then run from this folder with
/usr/bin/python3 make_reference.py.

Tenni minimizes  mean cross-entropy + (l2 / 2)·||W||²_F  (bias not penalized), which is scikit-learn's
LogisticRegression(C = 1 / (l2·N), multi_class='multinomial', solver='lbfgs', fit_intercept=True):
scikit-learn minimizes  sum cross-entropy + ||W||² / (2C) = N × Tenni's objective.

Three problems (fixed seed), each at l2 = 1e-3 and 1e-1, one JSON per case:
  a  2 classes, 60 samples, 8 features, classes nearly separable;
  b  5 classes, 40 samples, 20 features (more features than samples per class: the penalty matters);
  c  37 classes x 3 samples, 64 non-negative features with mean about 1 (like ResNet pool5 averages).
Features are rounded to 4 decimals before fitting, so the file holds exactly what was fitted.

Two class-weighted cases (seed WEIGHTED_SEED, l2 = 1e-2; see weighted_cases): wa, 2 overlapping classes
110 : 11 with class_weight='balanced'; wb, 3 classes 100 : 10 : 10 with weights {0: 1, 1: 4, 2: 10}.
With class weights, C = 1 / (l2·sum_i w_{y_i}) (sum over samples of their class's weight).

Each file: features [N][d], labels [N], classes, l2, coef [K][d] and intercept [K] (scikit-learn's, 12
significant digits), probabilities [N][K] (scikit-learn's predict_proba on the features, 10 decimals),
objective (Tenni's formula at scikit-learn's solution, in numpy), and, to show how exact the reference
is, the largest gradient component of the objective at scikit-learn's solution and the largest
difference to a solution found independently by damped Newton's method (exact Hessian, numpy).

The solver is newton-cg, not lbfgs: scikit-learn 1.2.1 calls scipy's L-BFGS-B without setting ftol, so
lbfgs stops at scipy's default relative decrease of 2.2e-9 per iteration whatever tol says
(scikit-learn issue 18074; later versions derive ftol from tol, pull request 27191). Here that leaves lbfgs's coef up to 1.3e-4 and its
intercept up to 6e-3 from the minimum (case c, l2 = 1e-3), too coarse to check Tenni's weights;
newton-cg fits the same estimator and objective and stops on the gradient, and agrees with Newton's
method to 1.3e-7 in coef. Each file records what lbfgs reaches (sklearn_lbfgs_*) for comparison.

For 2 classes scikit-learn's multinomial fit reports only the row of class 1 (coef_ [1, d]) and its
predict_proba uses softmax([-z, z]): the full [2, d] solution is [-coef_, coef_] with biases
[-b, b] (the penalty makes the weight rows sum to zero, and the bias rows stay opposite from the zero
start because every gradient's bias components sum to zero); that full solution is what is stored.
"""

import json
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight

SEED = 20240611
WEIGHTED_SEED = 20250118
L2S = (1e-3, 1e-1)


def problems(rng):
    # a: two Gaussian classes 3 standard deviations apart along a random unit direction.
    d = 8
    direction = rng.normal(size=d)
    direction /= np.linalg.norm(direction)
    labels = np.repeat([0, 1], 30)
    x = rng.normal(size=(60, d)) + np.outer(np.where(labels == 1, 1.5, -1.5), direction)
    yield "a-2classes", x, labels, 2

    # b: five classes, 8 samples each, class means N(0, 1) per feature, unit noise.
    d, k = 20, 5
    means = rng.normal(size=(k, d))
    labels = np.repeat(np.arange(k), 8)
    x = means[labels] + rng.normal(size=(40, d))
    yield "b-5classes", x, labels, k

    # c: 37 classes x 3 photos; a class prototype per feature ~ Exponential(1), each sample the
    # prototype times Gamma(4, 1/4) noise (mean 1): non-negative, mean about 1, skewed.
    d, k = 64, 37
    prototypes = rng.exponential(1.0, size=(k, d))
    labels = np.repeat(np.arange(k), 3)
    x = prototypes[labels] * rng.gamma(4.0, 0.25, size=(3 * k, d))
    yield "c-37classes", x, labels, k


def fit(x, labels, l2, solver, max_iter, class_weight=None, total_weight=None):
    # total_weight: sum over samples of their class's weight (N without class weights), see the docstring.
    total = x.shape[0] if total_weight is None else total_weight
    model = LogisticRegression(C=1.0 / (l2 * total), multi_class="multinomial", solver=solver, tol=1e-10, max_iter=max_iter, class_weight=class_weight)
    with warnings.catch_warnings():
        # newton-cg never reaches tol = 1e-10 on scikit-learn's summed objective (that is 1e-10 / N on the
        # mean) in float64; it stops at max_iter or on a failed line search, converged as far as it goes.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", "Line Search failed")
        model.fit(x, labels)
    return model


def full_solution(model, k):
    coef, intercept = model.coef_, model.intercept_
    if k == 2:
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return coef, intercept


def objective_and_gradient(x, labels, k, l2, weight, bias, share=None):
    """share: [N] each sample's share of the loss, w_y / sum w_y with class weights; None: 1/N."""
    n = x.shape[0]
    logits = x @ weight.T + bias
    logits -= logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    one_hot = np.eye(k)[labels]
    if share is None:
        value = -(log_p * one_hot).sum() / n + 0.5 * l2 * (weight**2).sum()
        residual = (np.exp(log_p) - one_hot) / n
    else:
        value = -(log_p * one_hot * share[:, None]).sum() + 0.5 * l2 * (weight**2).sum()
        residual = (np.exp(log_p) - one_hot) * share[:, None]
    return value, residual.T @ x + l2 * weight, residual.sum(axis=0)


def newton(x, labels, k, l2, share=None):
    """Damped Newton's method with the exact Hessian over theta = [W | b] ([K, d + 1]). The Hessian is
    singular along a common shift of the biases, which no gradient has a component along: adding that
    direction's outer product makes it positive definite without changing the steps."""
    n, d = x.shape
    z = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros((k, d + 1))
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0
    for _ in range(100):
        value, gw, gb = objective_and_gradient(x, labels, k, l2, theta[:, :-1], theta[:, -1], share)
        gradient = np.hstack([gw, gb[:, None]])
        if np.abs(gradient).max() < 1e-14:
            break
        logits = z @ theta.T
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        # H[(k,a),(l,b)] = 1/n sum_i (p_ik delta_kl - p_ik p_il) z_ia z_ib + penalty_a delta_kl delta_ab
        pz = (p[:, :, None] * z[:, None, :]).reshape(n, k * (d + 1))
        if share is None:
            hessian = -(pz.T @ pz)
            for c in range(k):
                block = slice(c * (d + 1), (c + 1) * (d + 1))
                hessian[block, block] += (z * p[:, c : c + 1]).T @ z
            hessian /= n
        else:  # the same sum with each sample weighted by its share instead of 1/n
            hessian = -(pz.T @ (pz * share[:, None]))
            for c in range(k):
                block = slice(c * (d + 1), (c + 1) * (d + 1))
                hessian[block, block] += (z * (p[:, c] * share)[:, None]).T @ z
        hessian += np.diag(np.tile(penalty, k))
        shift = np.zeros((k, d + 1))
        shift[:, -1] = 1 / np.sqrt(k)
        hessian += np.outer(shift, shift)  # positive definite now; the gradient has no component along shift
        step = np.linalg.solve(hessian, gradient.reshape(-1)).reshape(k, d + 1)
        t = 1.0
        while objective_and_gradient(x, labels, k, l2, theta[:, :-1] - t * step[:, :-1], theta[:, -1] - t * step[:, -1], share)[0] > value and t > 1e-10:
            t /= 2  # damped Newton: a full step from zero can overshoot when classes are nearly separable
        theta -= t * step
    return theta[:, :-1], theta[:, -1]


def numbers(array, decimals=None, significant=None):
    """Nested lists of floats, rounded to keep the files small (far below the tests' tolerances)."""
    array = np.asarray(array, dtype=np.float64)
    if decimals is not None:
        array = np.round(array, decimals)
    if significant is not None:
        array = np.vectorize(lambda v: float(f"{v:.{significant}g}"))(array)
    return array.tolist()


def weighted_problems(rng):
    """Imbalanced problems (10:1) where class weights move the solution."""
    # wa: 2 overlapping classes (means 2 standard deviations apart), 110 vs 11 samples, weights 'balanced'
    # (scikit-learn's n / (K n_c): 0.55 and 5.5).
    d = 6
    direction = rng.normal(size=d)
    direction /= np.linalg.norm(direction)
    labels = np.repeat([0, 1], [110, 11])
    x = rng.normal(size=(121, d)) + np.outer(np.where(labels == 1, 1.0, -1.0), direction)
    yield "wa-2classes-balanced", x, labels, 2, "balanced"

    # wb: 3 classes, 100 : 10 : 10 samples, class means N(0, 1) per feature, unit noise; weights given
    # per class as a dict (what a weights file gives Tenni).
    d, k = 10, 3
    means = rng.normal(size=(k, d))
    labels = np.repeat(np.arange(k), [100, 10, 10])
    x = means[labels] + rng.normal(size=(120, d))
    yield "wb-3classes-weights", x, labels, k, {0: 1.0, 1: 4.0, 2: 10.0}


def weighted_cases():
    """Class-weighted cases: Tenni minimizes  sum_i w_{y_i} CE_i / sum_i w_{y_i} + (l2 / 2)·||W||²;
    scikit-learn with class_weight minimizes  sum_i w_{y_i} CE_i + ||W||² / (2C) = (sum_i w_{y_i}) × Tenni's
    objective when C = 1 / (l2·sum_i w_{y_i}). Each file also holds the class weights Tenni is given
    (class_weights, per class, computed here for 'balanced' by scikit-learn's compute_class_weight), and the
    unweighted solution's coef (scikit-learn, same data and l2, C = 1 / (l2·N)) to show how far the weights
    move it."""
    rng = np.random.default_rng(WEIGHTED_SEED)
    l2 = 1e-2
    for name, x, labels, k, class_weight in weighted_problems(rng):
        x = np.round(x, 4)
        order = rng.permutation(x.shape[0])
        x, labels = x[order], labels[order]
        if class_weight == "balanced":
            per_class = compute_class_weight("balanced", classes=np.arange(k), y=labels)
        else:
            per_class = np.array([class_weight[c] for c in range(k)])
        sample = per_class[labels]
        share = sample / sample.sum()
        model = fit(x, labels, l2, "newton-cg", 100, class_weight=class_weight, total_weight=sample.sum())
        weight, bias = full_solution(model, k)
        value, gw, gb = objective_and_gradient(x, labels, k, l2, weight, bias, share)
        newton_weight, newton_bias = newton(x, labels, k, l2, share)
        newton_value, newton_gw, newton_gb = objective_and_gradient(x, labels, k, l2, newton_weight, newton_bias, share)
        unweighted_weight, _ = full_solution(fit(x, labels, l2, "newton-cg", 100), k)
        case = {
            "name": f"{name}-l2-{l2:g}",
            "generator": f"make_reference.py, seed {WEIGHTED_SEED}; scikit-learn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}",
            "classes": k,
            "l2": l2,
            "class_weights": per_class.tolist(),
            "sklearn_class_weight": class_weight if class_weight == "balanced" else {str(c): w for c, w in class_weight.items()},
            "labels": labels.tolist(),
            "features": numbers(x, decimals=4),
            "coef": numbers(weight, significant=12),
            "intercept": numbers(bias, significant=12),
            "probabilities": numbers(model.predict_proba(x), decimals=10),
            "objective": value,
            "unweighted_coef": numbers(unweighted_weight, significant=12),
            "unweighted_coef_max_abs_difference": float(np.abs(unweighted_weight - weight).max()),
            "sklearn_iterations": int(model.n_iter_[0]),
            "sklearn_gradient_max_abs": float(max(np.abs(gw).max(), np.abs(gb).max())),
            "newton_objective": newton_value,
            "newton_gradient_max_abs": float(max(np.abs(newton_gw).max(), np.abs(newton_gb).max())),
            "newton_coef_max_abs_difference": float(np.abs(newton_weight - weight).max()),
            "newton_intercept_max_abs_difference": float(np.abs((newton_bias - newton_bias.mean()) - (bias - bias.mean())).max()),
        }
        path = f"{case['name']}.json"
        with open(path, "w") as file:
            json.dump(case, file, separators=(",", ":"))
        print(
            f"{path}: class weights {per_class.round(4).tolist()}, objective {value:.15g} (Newton {newton_value:.15g}), "
            f"gradient {case['sklearn_gradient_max_abs']:.2e}, |coef - Newton| {case['newton_coef_max_abs_difference']:.2e}, "
            f"|intercept - Newton| {case['newton_intercept_max_abs_difference']:.2e}, |coef - unweighted coef| {case['unweighted_coef_max_abs_difference']:.3g}"
        )


def main():
    unweighted_cases()
    weighted_cases()


def unweighted_cases():
    rng = np.random.default_rng(SEED)
    for name, x, labels, k in problems(rng):
        x = np.round(x, 4)
        n = x.shape[0]
        order = rng.permutation(n)  # labels not sorted, as photos come
        x, labels = x[order], labels[order]
        for l2 in L2S:
            model = fit(x, labels, l2, "newton-cg", 100)
            weight, bias = full_solution(model, k)
            lbfgs = fit(x, labels, l2, "lbfgs", 100000)
            lbfgs_weight, lbfgs_bias = full_solution(lbfgs, k)
            lbfgs_value, lbfgs_gw, lbfgs_gb = objective_and_gradient(x, labels, k, l2, lbfgs_weight, lbfgs_bias)
            value, gw, gb = objective_and_gradient(x, labels, k, l2, weight, bias)
            newton_weight, newton_bias = newton(x, labels, k, l2)
            newton_value, newton_gw, newton_gb = objective_and_gradient(x, labels, k, l2, newton_weight, newton_bias)
            probabilities = model.predict_proba(x)
            case = {
                "name": f"{name}-l2-{l2:g}",
                "generator": f"make_reference.py, seed {SEED}; scikit-learn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}",
                "classes": k,
                "l2": l2,
                "labels": labels.tolist(),
                "features": numbers(x, decimals=4),
                "coef": numbers(weight, significant=12),
                "intercept": numbers(bias, significant=12),
                "probabilities": numbers(probabilities, decimals=10),
                "objective": value,
                "sklearn_iterations": int(model.n_iter_[0]),
                "sklearn_gradient_max_abs": float(max(np.abs(gw).max(), np.abs(gb).max())),
                "sklearn_lbfgs_objective": lbfgs_value,
                "sklearn_lbfgs_iterations": int(lbfgs.n_iter_[0]),
                "sklearn_lbfgs_gradient_max_abs": float(max(np.abs(lbfgs_gw).max(), np.abs(lbfgs_gb).max())),
                "sklearn_lbfgs_coef_max_abs_difference": float(np.abs(lbfgs_weight - weight).max()),
                "newton_objective": newton_value,
                "newton_gradient_max_abs": float(max(np.abs(newton_gw).max(), np.abs(newton_gb).max())),
                "newton_coef_max_abs_difference": float(np.abs(newton_weight - weight).max()),
                "newton_intercept_max_abs_difference": float(np.abs((newton_bias - newton_bias.mean()) - (bias - bias.mean())).max()),
            }
            path = f"{case['name']}.json"
            with open(path, "w") as file:
                json.dump(case, file, separators=(",", ":"))
            print(
                f"{path}: objective {value:.15g} (Newton {newton_value:.15g}), sklearn {case['sklearn_iterations']} iterations, "
                f"gradient {case['sklearn_gradient_max_abs']:.2e}, |coef - Newton| {case['newton_coef_max_abs_difference']:.2e}, "
                f"|intercept - Newton| {case['newton_intercept_max_abs_difference']:.2e}, max |coef| {np.abs(weight).max():.3g}"
            )


if __name__ == "__main__":
    main()
