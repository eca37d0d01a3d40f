"""Fit the theme classifier from weakly and gold-labelled rows.

Training rows carry a label per theme of 1, 0 or -1 (unlabelled): seed patterns label rows
weakly; the shipped examples and the labelled files override them. Each theme's classifier
sees only the rows labelled for it, so a file that codes three themes says nothing about the
others. For a theme with enough gold reports, a 3-fold cross-validation over those reports
chooses the regularisation C, learns how much a seed match adds (the stacker) and the
threshold with the best F1, judged on the report roll-up the classify stage uses (max over
items, whole section, circumstances). Only the gold reports given take part, so a
benchmark's held-out reports never tune anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from nlp.concern_text import clean_text, model_text
from nlp.theme_model import MODEL_FORMAT, ThemeModel, seed_hits_column, stack, stack_features

MIN_POSITIVES = 3  # fewer positive rows than this: no classifier for the theme
MIN_GOLD_FOR_TUNING = 5  # positive and negative gold reports needed to tune a theme
# Thresholds stay within 0.3-0.7: the labelled files are collections (suicides, road deaths)
# whose prevalence is far from the whole corpus's, so extreme cut-offs would not transfer.
THRESHOLD_GRID = np.round(np.arange(0.3, 0.71, 0.05), 2)
C_GRID = (0.3, 1.0, 3.0)  # C tried for a theme with gold reports; others keep C = 1
NO_MATCH = r"(?!x)x"


@dataclass(slots=True)
class TrainingSet:
    """Training rows: text, labels (1/0/-1), weight, gold report group, role and gold flags.

    role is '' for weak rows and examples; for a gold report's rows it is 'item' (one concern,
    scored but not trained on), 'concerns' (the whole section) or 'context' (with circumstances).
    """

    texts: list[str] = field(default_factory=list)
    labels: list[list[int]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    gold: list[list[bool]] = field(default_factory=list)

    def add(
        self,
        text: str,
        labels: list[int],
        weight: float,
        group: int = -1,
        role: str = "",
        gold: list[bool] | None = None,
    ) -> None:
        """Append one training row."""
        self.texts.append(text)
        self.labels.append(labels)
        self.weights.append(weight)
        self.groups.append(group)
        self.roles.append(role)
        self.gold.append(gold or [False] * len(labels))

    def digest(self) -> str:
        """Return a short hash of the rows, so a model says exactly what it learnt from."""
        payload = json.dumps([self.texts, self.labels, self.weights], ensure_ascii=False)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:10]


@dataclass(slots=True)
class Arrays:
    """The training set as arrays, shared by every theme's fit."""

    features: object
    labels: np.ndarray
    weights: np.ndarray
    groups: np.ndarray
    roles: np.ndarray
    gold: np.ndarray
    cleaned: list[str]  # cleaned and lower-cased, for the seed patterns


def make_vectorizer(n_rows: int) -> TfidfVectorizer:
    """Build the features: TF-IDF of words and word pairs, sub-linear counts."""
    return TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2 if n_rows >= 200 else 1,
        max_df=0.6,
        max_features=60000,
        sublinear_tf=True,
        strip_accents="unicode",
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9]+\b",
    )


def fit_one(
    features, y: np.ndarray, weights: np.ndarray, seed: int, c: float
) -> LogisticRegression:
    """Fit one theme's logistic regression, classes balanced."""
    clf = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=2000, random_state=seed
    )
    return clf.fit(features, y, sample_weight=weights)


def best_threshold(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """Return the grid threshold with the best F1 (ties go to the one nearest 0.5), and F1."""
    best, best_f1 = 0.5, -1.0
    for cut in sorted(THRESHOLD_GRID, key=lambda t: abs(t - 0.5)):
        pred = scores >= cut
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (pred.sum() + y.sum()) if pred.sum() + y.sum() else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(cut), f1
    return best, best_f1


def gold_reports(a: Arrays, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the gold report groups for theme j and each one's label."""
    rows = np.flatnonzero(a.gold[:, j])
    groups, first = np.unique(a.groups[rows], return_index=True)
    return groups, a.labels[rows[first], j]


def scored_rows(a: Arrays, groups: np.ndarray, context: bool) -> np.ndarray:
    """Return the rows the roll-up scores for these reports (context rows for context themes)."""
    roles = ("item", "concerns", "context") if context else ("item", "concerns")
    return np.flatnonzero(np.isin(a.groups, groups) & np.isin(a.roles, roles))


def oof_rows(a: Arrays, j: int, groups: np.ndarray, context: bool, seed: int):
    """Return (rows, {C: out-of-fold probabilities}) for the gold reports' scored rows, or None."""
    rows = scored_rows(a, groups, context)
    proba = {c: np.zeros(len(rows)) for c in C_GRID}
    trainable = a.labels[:, j] >= 0
    for _, test in GroupKFold(n_splits=3).split(groups, groups=groups):
        held = np.isin(a.groups[rows], groups[test])
        keep = trainable & ~np.isin(a.groups, groups[test])
        y = a.labels[keep, j]
        if y.min() == y.max():
            return None
        for c in C_GRID:
            clf = fit_one(a.features[keep], y, a.weights[keep], seed, c)
            proba[c][held] = clf.predict_proba(a.features[rows[held]])[:, 1]
    return rows, proba


@dataclass(slots=True)
class Tuned:
    """What a theme's gold reports chose: threshold, stacker (None = none), C, held-out F1."""

    threshold: float = 0.5
    stacker: LogisticRegression | None = None
    c: float = 1.0
    f1: float = -1.0


def stack_and_cut(
    a: Arrays, j: int, rows, proba, hits, groups, y_report, seed: int, c: float
) -> Tuned:
    """Fit the stacker on probabilities held out at C = c; pick the threshold on the roll-up."""
    labelled = a.gold[rows, j]
    stacker = LogisticRegression(C=1.0, class_weight="balanced", random_state=seed)
    stacker.fit(stack_features(proba[labelled], hits[labelled]), a.labels[rows[labelled], j])
    stacked = stack(stacker, proba, hits)
    report_score = np.array([stacked[a.groups[rows] == g].max() for g in groups])
    cut, f1 = best_threshold(y_report, report_score)
    return Tuned(cut, stacker, c, f1)


def tune_theme(a: Arrays, j: int, pattern: str, context: bool, seed: int) -> Tuned:
    """Choose a theme's C, stacker and threshold on held-out gold reports (defaults if too few)."""
    groups, y_report = gold_reports(a, j)
    n_pos = int(y_report.sum())
    if n_pos < MIN_GOLD_FOR_TUNING or len(groups) - n_pos < MIN_GOLD_FOR_TUNING:
        return Tuned()
    found = oof_rows(a, j, groups, context, seed)
    if found is None:
        return Tuned()
    rows, probas = found
    hits = seed_hits_column([a.cleaned[r] for r in rows], pattern)
    best = Tuned()
    for c in C_GRID:  # ties keep the smaller C
        tuned = stack_and_cut(a, j, rows, probas[c], hits, groups, y_report, seed, c)
        if tuned.f1 > best.f1 + 1e-9:
            best = tuned
    return best


def to_arrays(data: TrainingSet, vectorizer) -> Arrays:
    """Vectorise the texts and turn the training lists into arrays."""
    labels = np.asarray(data.labels, dtype=int)
    return Arrays(
        features=vectorizer.fit_transform([model_text(t) for t in data.texts]).tocsr(),
        labels=labels,
        weights=np.asarray(data.weights, dtype=float),
        groups=np.asarray(data.groups, dtype=int),
        roles=np.asarray(data.roles, dtype=object),
        gold=np.asarray(data.gold, dtype=bool).reshape(labels.shape),
        cleaned=[clean_text(t).lower() for t in data.texts],
    )


def fit_theme_model(
    data: TrainingSet,
    theme_ids: list[str],
    context: list[bool],
    seeds: dict[str, str],
    seed: int,
    version_prefix: str = "themes",
) -> ThemeModel:
    """Fit the vectoriser on every row, then each theme's C, classifier, stacker, threshold."""
    vectorizer = make_vectorizer(len(data.texts))
    a = to_arrays(data, vectorizer)
    model = ThemeModel(f"{version_prefix}-{data.digest()}-s{seed}", list(theme_ids), vectorizer, {})
    counts = {}
    for j, theme_id in enumerate(theme_ids):
        train = a.labels[:, j] >= 0
        y = a.labels[train, j]
        counts[theme_id] = {"rows": int(train.sum()), "positives": int(y.sum())}
        model.classifiers[theme_id] = None
        pattern = model.seeds[theme_id] = seeds.get(theme_id, NO_MATCH)
        if y.sum() < MIN_POSITIVES or y.sum() == len(y):
            continue
        tuned = tune_theme(a, j, pattern, context[j], seed)
        model.thresholds[theme_id] = counts[theme_id]["threshold"] = tuned.threshold
        counts[theme_id]["C"] = tuned.c
        if tuned.stacker is not None:
            model.stackers[theme_id] = tuned.stacker
        model.classifiers[theme_id] = fit_one(a.features[train], y, a.weights[train], seed, tuned.c)
    model.card = {
        "format": MODEL_FORMAT,
        "version": model.version,
        "seed": seed,
        "C_grid": list(C_GRID),
        "rows": len(data.texts),
        "themes": counts,
    }
    return model
