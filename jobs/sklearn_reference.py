#!/usr/bin/env python3
"""Reference fits for `train`, with scikit-learn, on the vectors and folds ecolens used.

Usage: jobs/sklearn_reference.py [--texts TEXTS.csv --id-column C --text-column C] CATEGORY.csv [...]
       (CATEGORY.csv: files from io.ecolens.train.ReferenceExport)

For each file, out-of-fold probabilities over ecolens's own outer folds from two scikit-learn models:
  plain  StandardScaler + LogisticRegression() (C = 1, no class weights)
  tuned  StandardScaler + LogisticRegressionCV (10 values of C, 3 stratified inner folds chosen by
         average precision, class_weight='balanced')
and, with --texts (a CSV holding each item's text under its content_id), two models that read the
words themselves, a yardstick for what the vectors leave out:
  lexical          TF-IDF of word 1-2-grams and character 2-5-grams + LogisticRegression() (C = 1)
  lexical_vectors  the same TF-IDF columns beside the standardised vectors (weighted 0.05, so that
                   384 dense columns do not drown the sparse ones) + LogisticRegression()
It prints each one's area under the PR curve as ecolens reports it (MLlib's areaUnderPR: trapezoids
over one point per distinct score) and scikit-learn's average precision, as
  REFERENCE <category> <model> auprc <value> average_precision <value>

The outer folds are ecolens's; the rest is scikit-learn's own way, not a copy of ecolens's: its C grid
(1e-4 .. 1e4, i.e. regParam 1/(C n)) is wider than ecolens's regularization-grid, its inner folds are
stratified and shuffled, it chooses by average precision, and its scaler uses the unweighted std.
"""
import argparse
import csv

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
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


VECTOR_WEIGHT = 0.05


def lexical(texts, x, train, test):
    """TF-IDF columns of the training and held-out texts, alone and beside the standardised vectors."""
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True)
    fit = [texts[i] for i in np.nonzero(train)[0]]
    held = [texts[i] for i in np.nonzero(test)[0]]
    a = hstack([words.fit_transform(fit), chars.fit_transform(fit)]).tocsr()
    b = hstack([words.transform(held), chars.transform(held)]).tocsr()
    scaler = StandardScaler().fit(x[train])
    with_vectors = (hstack([a, csr_matrix(scaler.transform(x[train]) * VECTOR_WEIGHT)]).tocsr(),
                    hstack([b, csr_matrix(scaler.transform(x[test]) * VECTOR_WEIGHT)]).tocsr())
    return {"lexical": (a, b), "lexical_vectors": with_vectors}


def read_texts(path, id_column, text_column):
    with open(path, newline="") as f:
        rows = csv.DictReader(f)
        for column, option in ((id_column, "--id-column"), (text_column, "--text-column")):
            if column not in (rows.fieldnames or []):
                raise SystemExit(f"{path} has no column '{column}' ({option}); its columns: {rows.fieldnames}")
        return {r[id_column]: r[text_column] for r in rows}


def report(category, name, scores, y):
    print(f"REFERENCE {category} {name} auprc {area_under_pr(scores, y):.6f} "
          f"average_precision {average_precision_score(y, scores):.6f}", flush=True)


def main(args):
    by_id = read_texts(args.texts, args.id_column, args.text_column) if args.texts else None
    for path in args.files:
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
            report(category, name, scores, y)
        if by_id is None:
            continue
        missing = [r[0] for r in rows if r[0] not in by_id]
        if missing:
            raise SystemExit(f"{len(missing)} content ids of {path} have no text in {args.texts}, "
                             f"e.g. {missing[0]}: check --id-column")
        texts = [by_id[r[0]] for r in rows]
        scores = {"lexical": np.zeros(len(y)), "lexical_vectors": np.zeros(len(y))}
        for k in np.unique(folds):
            train, test = folds != k, folds == k
            for name, (a, b) in lexical(texts, x, train, test).items():  # one TF-IDF fit per fold for both
                scores[name][test] = LogisticRegression(max_iter=5000).fit(a, y[train]).predict_proba(b)[:, 1]
        for name, values in scores.items():
            report(category, name, values, y)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="scikit-learn reference fits on ecolens's vectors and folds")
    parser.add_argument("--texts", help="CSV with each item's text, for the lexical models")
    parser.add_argument("--id-column", default="content_id", help="the CSV's column of content ids")
    parser.add_argument("--text-column", default="text", help="the CSV's column of texts")
    parser.add_argument("files", nargs="+", help="CATEGORY.csv files from io.ecolens.train.ReferenceExport")
    main(parser.parse_args())
