"""Writes reference.json: multi-label inputs and scikit-learn's metrics for MultiLabelEvaluationTests.

Run with /usr/bin/python3 (scikit-learn installed): python3 make_reference.py
Scores are float32 (as Tenni's probabilities) with ties; label 3 has no positive photo.
"""
import json

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

rng = np.random.RandomState(17)
photos, labels = 40, 4
truth = (rng.rand(photos, labels) < [0.5, 0.3, 0.7, 0.0]).astype(int)
noise = rng.rand(photos, labels)
scores = np.clip(0.45 * truth + 0.55 * noise, 0, 1).astype(np.float32)
scores = np.round(scores * 20) / 20  # ties, to exercise scikit-learn's step per distinct score
scores = scores.astype(np.float32)


def at(threshold):
    return (scores.astype(np.float64) >= threshold).astype(int)


grid = [round(i * 0.05, 2) for i in range(1, 20)]
micro = [f1_score(truth, at(t), average="micro", zero_division=0) for t in grid]
best = max(micro)
tuned = min((abs(t - 0.5), t) for t, f in zip(grid, micro) if f == best)[1]

threshold = 0.5
pred = at(threshold)
ap = [average_precision_score(truth[:, k], scores[:, k]) if truth[:, k].sum() > 0 else None for k in range(labels)]
reference = {
    "truth": [[int(k) for k in range(labels) if truth[i, k]] for i in range(photos)],
    "scores": scores.tolist(),
    "threshold": threshold,
    "precision": precision_score(truth, pred, average=None, zero_division=0).tolist(),
    "recall": recall_score(truth, pred, average=None, zero_division=0).tolist(),
    "f1": f1_score(truth, pred, average=None, zero_division=0).tolist(),
    "micro_f1": f1_score(truth, pred, average="micro", zero_division=0),
    "macro_f1": f1_score(truth, pred, average="macro", zero_division=0),
    "average_precision": ap,
    "map": float(np.mean([a for a in ap if a is not None])),
    "tuned_threshold": tuned,
    "tuned_micro_f1": best,
}
with open("reference.json", "w") as f:
    json.dump(reference, f, indent=1)
