#!/usr/bin/env python3
"""Reference fits for `train`, with scikit-learn, on the vectors and folds ecolens used.

Usage: jobs/sklearn_reference.py CATEGORY.csv [...]   (files from io.ecolens.train.ReferenceExport)

For each file, out-of-fold probabilities over ecolens's own outer folds from two scikit-learn models:
  plain  StandardScaler + LogisticRegression() (C = 1, no class weights)
  tuned  StandardScaler + LogisticRegressionCV (10 values of C, 3 stratified inner folds chosen by
         average precision, class_weight='balanced')
and prints each one's area under the PR curve as ecolens reports it (MLlib's areaUnderPR: trapezoids
over one point per distinct score) and scikit-learn's average precision, as
  REFERENCE <category> <model> auprc <value> average_precision <value>

The outer folds are ecolens's; the rest is scikit-learn's own way, not a copy of ecolens's: its C grid
(1e-4 .. 1e4, i.e. regParam 1/(C n)) is wider than ecolens's regularization-grid, its inner folds are
stratified and shuffled, it chooses by average precision, and its scaler uses the unweighted std.
"""
import csv
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def area_under_pr(scores, labels):
    """MLlib's areaUnderPR without binning: the curve starts at (0, first precision)."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # last index of each distinct score
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    recall = tp / y.sum()
    precision = tp / (tp + fp)
    recall = np.r_[0.0, recall]
    precision = np.r_[precision[0], precision]
    return float(np.sum(np.diff(recall) * (precision[1:] + precision[:-1]) / 2))


def models():
    return {
        "plain": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "tuned": lambda: make_pipeline(StandardScaler(), LogisticRegressionCV(
            Cs=10, cv=StratifiedKFold(3, shuffle=True, random_state=0), scoring="average_precision",
            class_weight="balanced", max_iter=5000)),
    }


def main(paths):
    for path in paths:
        with open(path) as f:
            rows = list(csv.reader(f))[1:]
        category = path.rsplit("/", 1)[-1].removesuffix(".csv")
        y = np.array([int(r[1]) for r in rows])
        folds = np.array([int(r[2]) for r in rows])
        x = np.array([[float(v) for v in r[3:]] for r in rows])
        for name, make in models().items():
            scores = np.zeros(len(y))
            for k in np.unique(folds):
                train, test = folds != k, folds == k
                scores[test] = make().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
            print(f"REFERENCE {category} {name} auprc {area_under_pr(scores, y):.6f} "
                  f"average_precision {average_precision_score(y, scores):.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
