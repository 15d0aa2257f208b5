#!/usr/bin/env python3
"""Reference values for Tenni's Evaluation.From (EvaluationReferenceTests), from scikit-learn and numpy.

Generates the test data only; the tests never run Python. Debian 12: apt-get install python3-sklearn
python3-numpy (scikit-learn 1.2.1, numpy 1.24.2), then run from this folder with
/usr/bin/python3 make_reference.py.

Three seeded cases, one JSON each:
  a  2 classes, 50 photos;
  b  7 classes, 200 photos: class 5 is never predicted (its logit is pushed far down) and class 6 never
     occurs in the labels (but is predicted for some photos: support 0, precision 0); one photo of class 5
     gets probability 0 for its class (float32 underflow), so the log loss's clip at 1e-15 counts;
  c  37 classes, 300 photos.
Probabilities are a softmax of noisy logits in float64, then rounded to float32: the file holds those
float32 values (written as the exact float64 of each float32), and every reference below is computed from
them widened to float64, which is what Evaluation.From does with its float[] rows.

What each expected value is, and where scikit-learn's definition differs from Tenni's:
  accuracy             sklearn accuracy_score.
  balanced_accuracy    sklearn balanced_accuracy_score. sklearn computes the recall of every class present in
                       y_true or y_pred and drops (with a warning) classes absent from y_true: the mean recall
                       over classes with photos, Tenni's definition; checked against that mean here.
  top_k                sklearn top_k_accuracy_score(labels=range(K)) for k = 3, 5 where k < K. (No ties in
                       these probabilities, so sklearn's tie order and Tenni's "ties in the true class's
                       favour" cannot differ; the script checks there are none.)
  log_loss             numpy: mean of -log(clip(p_true, 1e-15, 1)), as Tenni. sklearn 1.2.1's log_loss
                       renormalizes each row to sum 1 before clipping, and its default eps is 'auto' (the
                       dtype's machine epsilon, 1.2e-7 for float32): called with float64 rows and eps=1e-15
                       it agrees with the numpy value to the float32 rows' rounding (checked below to 1e-6).
  confusion_matrix     sklearn confusion_matrix(labels=range(K)): row = true class, column = predicted.
  per_class            sklearn precision_recall_fscore_support(labels=range(K), zero_division=0).
  macro                Tenni averages over classes with support > 0; sklearn's average='macro' averages over
                       every label passed (a support-0 class counts with recall 0 and F1 0, pulling the mean
                       down). So the reference is the plain mean of sklearn's per-class values over classes
                       with support > 0 (case b: over 6 classes, not 7; sklearn's own macro is stored too as
                       sklearn_macro_all_labels, for the record).
  weighted             sklearn average='weighted' (weights = support, so support-0 classes weigh nothing and
                       both definitions agree; checked against the support-weighted mean of the per-class
                       values).
  ece, reliability     an independent numpy implementation of Guo et al. (2017): 10 equal-width bins of the
                       top probability, [b/10, (b+1)/10) with 1.0 in the last; ECE = sum_b n_b/N |acc_b - conf_b|.
                       Bins are assigned with np.searchsorted against the edges and cross-checked with
                       floor(10 p); the script refuses a case where the two disagree (a value on an edge).
  top_losses           wrong predictions, most confident first (ties by index), the first 10: photo index,
                       true and predicted class, probability of the prediction and of the true class.
"""

import json
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)

SEED = 20250117
BINS = 10
TOP_LOSSES = 10


def softmax32(logits):
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


def cases(rng):
    # a: 2 classes, a weak signal: about 75% right, confidences spread over [0.5, 1].
    n, k = 50, 2
    labels = rng.integers(0, k, size=n)
    logits = rng.normal(0, 1.5, size=(n, k))
    logits[np.arange(n), labels] += 1.0
    yield "a-2classes", k, labels, softmax32(logits)

    # b: 7 classes, labels in 0..5 only (class 6 absent); class 5 never predicted.
    n, k = 200, 7
    labels = rng.integers(0, 6, size=n)
    logits = rng.normal(0, 1.0, size=(n, k))
    logits[np.arange(n), labels] += 1.5
    logits[:, 5] -= 8.0
    logits[:, 6] += 0.5  # predicted now and then although no photo is of class 6
    logits[np.flatnonzero(labels == 5)[0], 5] = -200.0  # its true class's float32 probability is 0: clipped to 1e-15
    yield "b-7classes-absent-and-unpredicted", k, labels, softmax32(logits)

    # c: 37 classes, 300 photos, about half right, many low-confidence rows.
    n, k = 300, 37
    labels = rng.integers(0, k, size=n)
    logits = rng.normal(0, 1.2, size=(n, k))
    logits[np.arange(n), labels] += 2.5
    yield "c-37classes", k, labels, softmax32(logits)


def calibration(labels, p, predicted):
    confidence = p[np.arange(len(labels)), predicted]
    edges = np.linspace(0, 1, BINS + 1)
    bins = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, BINS - 1)
    assert (bins == np.clip(np.floor(confidence * BINS).astype(int), 0, BINS - 1)).all(), "a confidence on a bin edge"
    correct = (predicted == labels).astype(np.float64)
    ece, reliability = 0.0, []
    for b in range(BINS):
        members = bins == b
        count = int(members.sum())
        conf = float(confidence[members].mean()) if count else 0.0
        acc = float(correct[members].mean()) if count else 0.0
        ece += count / len(labels) * abs(acc - conf)
        reliability.append({"lower": edges[b], "upper": edges[b + 1], "count": count, "confidence": conf, "accuracy": acc})
    return ece, reliability


def reference(name, k, labels, p32):
    n = len(labels)
    p = p32.astype(np.float64)  # exactly the float32 values, widened
    predicted = p.argmax(axis=1)
    everything = np.arange(k)
    true_scores = p[np.arange(n), labels]
    for i in range(n):
        assert (p[i] == true_scores[i]).sum() == 1, "a tie with the true class's probability"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # case b: "y_pred contains classes not in y_true"
        balanced = balanced_accuracy_score(labels, predicted)
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=everything, zero_division=0)
    present = support > 0
    assert np.isclose(balanced, recall[present].mean(), rtol=0, atol=1e-15)

    weighted = precision_recall_fscore_support(labels, predicted, labels=everything, zero_division=0, average="weighted")
    for value, per_class in zip(weighted[:3], (precision, recall, f1)):
        assert np.isclose(value, (per_class * support).sum() / support.sum(), rtol=0, atol=1e-15)
    sklearn_macro = precision_recall_fscore_support(labels, predicted, labels=everything, zero_division=0, average="macro")

    assert name[0] != "b" or (true_scores == 0).sum() == 1, "case b has one true-class probability of 0"
    clipped = -np.log(np.clip(true_scores, 1e-15, 1)).mean()
    sklearn_log_loss = log_loss(labels, p, labels=everything, eps=1e-15)
    assert abs(clipped - sklearn_log_loss) < 1e-6, (clipped, sklearn_log_loss)

    ece, reliability = calibration(labels, p, predicted)
    wrong = np.flatnonzero(predicted != labels)
    confidence = p[np.arange(n), predicted]
    wrong = wrong[np.lexsort((wrong, -confidence[wrong]))][:TOP_LOSSES]

    return {
        "name": name,
        "generator": f"make_reference.py, seed {SEED}; scikit-learn {sklearn.__version__}, numpy {np.__version__}",
        "classes": k,
        "labels": labels.tolist(),
        "probabilities": p.tolist(),
        "accuracy": accuracy_score(labels, predicted),
        "balanced_accuracy": balanced,
        "top_k": {str(top): top_k_accuracy_score(labels, p, k=top, labels=everything) for top in (3, 5) if top < k},
        "log_loss": clipped,
        "sklearn_log_loss": sklearn_log_loss,
        "confusion_matrix": confusion_matrix(labels, predicted, labels=everything).tolist(),
        "per_class": {"precision": precision.tolist(), "recall": recall.tolist(), "f1": f1.tolist(), "support": support.tolist()},
        "macro": {"precision": precision[present].mean(), "recall": recall[present].mean(), "f1": f1[present].mean(), "support": int(support.sum())},
        "sklearn_macro_all_labels": {"precision": sklearn_macro[0], "recall": sklearn_macro[1], "f1": sklearn_macro[2]},
        "weighted": {"precision": weighted[0], "recall": weighted[1], "f1": weighted[2], "support": int(support.sum())},
        "ece": ece,
        "reliability": reliability,
        "top_losses": [
            {"index": int(i), "true": int(labels[i]), "predicted": int(predicted[i]), "probability": p[i, predicted[i]], "true_probability": p[i, labels[i]]}
            for i in wrong
        ],
    }


def main():
    rng = np.random.default_rng(SEED)
    for name, k, labels, p32 in cases(rng):
        case = reference(name, k, labels, p32)
        with open(f"{name}.json", "w") as file:
            json.dump(case, file, separators=(",", ":"))
        predicted_classes = sorted(set(np.asarray(p32).argmax(axis=1).tolist()))
        print(
            f"{name}.json: accuracy {case['accuracy']:.4f}, balanced {case['balanced_accuracy']:.4f}, top-k {case['top_k']}, "
            f"log loss {case['log_loss']:.6f} (sklearn {case['sklearn_log_loss']:.6f}), ECE {case['ece']:.4f}, "
            f"macro F1 {case['macro']['f1']:.4f} (sklearn over all labels {case['sklearn_macro_all_labels']['f1']:.4f}), "
            f"{len(predicted_classes)} classes predicted, {len(set(labels.tolist()))} in labels, {len(case['top_losses'])} top losses"
        )


if __name__ == "__main__":
    main()
