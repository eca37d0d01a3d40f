"""The theme classifier: TF-IDF features and one logistic regression per theme.

Training rows carry a label per theme of 1, 0 or -1 (unlabelled): seed patterns label rows
weakly, the shipped examples and the labelled files override them. Each theme's model sees
only the rows labelled for it, so a file that codes three themes says nothing about the
others. Where gold (hand- or file-labelled) rows exist, each theme's decision threshold is
chosen on held-out gold rows and scores are rescaled so that the threshold sits at 0.5.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from nlp.concern_text import model_text

log = logging.getLogger(__name__)

MODEL_FILE = "themes.joblib"
CARD_FILE = "themes.json"
MIN_POSITIVES = 3  # fewer positive rows than this: no classifier for the theme
MIN_GOLD_FOR_TUNING = 5  # positives and negatives among gold rows before a threshold is tuned
THRESHOLD_GRID = np.round(np.arange(0.15, 0.86, 0.05), 2)


@dataclass(slots=True)
class TrainingSet:
    """Texts, a label matrix (1, 0, -1 = unlabelled), a weight and a gold group per row."""

    texts: list[str] = field(default_factory=list)
    labels: list[list[int]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)  # labelled report index, -1 when not gold
    gold: list[list[bool]] = field(default_factory=list)  # which labels come from a file

    def add(
        self, text: str, labels: list[int], weight: float, group: int = -1,
        gold: list[bool] | None = None,
    ) -> None:
        """Append one training row."""
        self.texts.append(text)
        self.labels.append(labels)
        self.weights.append(weight)
        self.groups.append(group)
        self.gold.append(gold or [False] * len(labels))

    def digest(self) -> str:
        """Return a short hash of the rows, so a model says exactly what it learnt from."""
        payload = json.dumps([self.texts, self.labels, self.weights], ensure_ascii=False)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:10]


@dataclass(slots=True)
class ThemeModel:
    """A fitted vectoriser, one classifier per theme (None = no model) and its thresholds."""

    version: str
    theme_ids: list[str]
    vectorizer: TfidfVectorizer
    classifiers: dict[str, LogisticRegression | None]
    thresholds: dict[str, float] = field(default_factory=dict)
    card: dict = field(default_factory=dict)

    def raw_proba(self, texts: list[str]) -> np.ndarray:
        """Return an (n_texts, n_themes) array of the classifiers' probabilities."""
        scores = np.zeros((len(texts), len(self.theme_ids)))
        if not texts:
            return scores
        features = self.vectorizer.transform([model_text(t) for t in texts])
        for j, theme_id in enumerate(self.theme_ids):
            clf = self.classifiers.get(theme_id)
            if clf is not None:
                scores[:, j] = clf.predict_proba(features)[:, 1]
        return scores

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Return scores in [0, 1] where 0.5 is each theme's decision threshold."""
        raw = self.raw_proba(texts)
        cut = np.array([self.thresholds.get(t, 0.5) for t in self.theme_ids])
        return rescale(raw, cut)


def rescale(raw: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Map each column piecewise-linearly so its threshold goes to 0.5 (0 and 1 stay put)."""
    low = raw * 0.5 / cut
    high = 0.5 + (raw - cut) * 0.5 / (1.0 - cut)
    return np.where(raw < cut, low, high)


def make_vectorizer(n_rows: int) -> TfidfVectorizer:
    """Build the TF-IDF vectoriser: words and word pairs, sub-linear counts."""
    return TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2 if n_rows >= 200 else 1,
        max_df=0.6,
        max_features=60000,
        sublinear_tf=True,
        strip_accents="unicode",
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9]+\b",
    )


def fit_one(features, y: np.ndarray, weights: np.ndarray, seed: int, c: float) -> LogisticRegression:
    """Fit one theme's logistic regression, classes balanced."""
    clf = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=2000, random_state=seed
    )
    return clf.fit(features, y, sample_weight=weights)


def best_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """Return the grid threshold with the best F1 (ties go to the one nearest 0.5)."""
    best, best_f1 = 0.5, -1.0
    for cut in sorted(THRESHOLD_GRID, key=lambda t: abs(t - 0.5)):
        pred = scores >= cut
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (pred.sum() + y.sum()) if pred.sum() + y.sum() else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(cut), f1
    return best


def tune_threshold(features, y, weights, groups, is_gold, seed: int, c: float) -> float:
    """Choose a theme's threshold on gold rows held out, group by group, in 3 folds."""
    gold = np.flatnonzero(is_gold)
    n_pos = int(y[gold].sum())
    if n_pos < MIN_GOLD_FOR_TUNING or len(gold) - n_pos < MIN_GOLD_FOR_TUNING:
        return 0.5
    oof = np.zeros(len(gold))
    for train_g, test_g in GroupKFold(n_splits=3).split(gold, groups=groups[gold]):
        keep = np.ones(len(y), dtype=bool)
        keep[gold[test_g]] = False
        if len(set(y[keep])) < 2:
            return 0.5
        clf = fit_one(features[keep], y[keep], weights[keep], seed, c)
        oof[test_g] = clf.predict_proba(features[gold[test_g]])[:, 1]
    return best_threshold(y[gold], oof)


def fit_theme_model(
    data: TrainingSet, theme_ids: list[str], seed: int, c: float = 1.0, version_prefix: str = "themes"
) -> ThemeModel:
    """Fit the vectoriser on every row and one classifier per theme on its labelled rows."""
    vectorizer = make_vectorizer(len(data.texts))
    features = vectorizer.fit_transform([model_text(t) for t in data.texts]).tocsr()
    labels = np.asarray(data.labels, dtype=int)
    weights = np.asarray(data.weights, dtype=float)
    groups = np.asarray(data.groups, dtype=int)
    is_gold = np.asarray(data.gold, dtype=bool).reshape(labels.shape)
    classifiers: dict[str, LogisticRegression | None] = {}
    thresholds: dict[str, float] = {}
    counts = {}
    for j, theme_id in enumerate(theme_ids):
        mask = labels[:, j] >= 0
        y = labels[mask, j]
        counts[theme_id] = {"rows": int(mask.sum()), "positives": int(y.sum())}
        if y.sum() < MIN_POSITIVES or y.sum() == len(y):
            classifiers[theme_id] = None
            continue
        x, w, g = features[mask], weights[mask], groups[mask]
        thresholds[theme_id] = tune_threshold(x, y, w, g, is_gold[mask, j], seed, c)
        classifiers[theme_id] = fit_one(x, y, w, seed, c)
        counts[theme_id]["threshold"] = thresholds[theme_id]
    version = f"{version_prefix}-{data.digest()}-s{seed}"
    card = {"version": version, "seed": seed, "C": c, "rows": len(data.texts), "themes": counts}
    return ThemeModel(version, list(theme_ids), vectorizer, classifiers, thresholds, card)


def save_model(model: ThemeModel, models_dir: Path) -> Path:
    """Write the model and its card (JSON, human-readable) to the models dir."""
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / MODEL_FILE
    joblib.dump(model, path, compress=3)
    (models_dir / CARD_FILE).write_text(json.dumps(model.card, indent=2), encoding="utf-8")
    return path


def load_model(models_dir: Path) -> ThemeModel | None:
    """Read the saved model, or None when there is none (or it cannot be read)."""
    path = models_dir / MODEL_FILE
    if not path.exists():
        return None
    try:
        model = joblib.load(path)
    except Exception as exc:  # a corrupt or incompatible pickle: retrain rather than crash
        log.warning("could not load %s (%s); a new model will be trained", path, exc)
        return None
    return model if isinstance(model, ThemeModel) else None
