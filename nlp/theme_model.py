"""The theme classifier: TF-IDF features and one calibrated logistic regression per theme.

Training rows carry a label per theme of 1, 0 or -1 (unlabelled): seed patterns label every
row weakly, the shipped examples and the labelled files override them. Each theme's model
sees only the rows labelled for it, so a file that codes three themes says nothing about
the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlp.concern_text import clean_text, model_text

log = logging.getLogger(__name__)

MODEL_FILE = "themes.joblib"
CARD_FILE = "themes.json"
SEED_SCALE = 0.5  # weight of a seed-pattern column beside the TF-IDF columns
MIN_POSITIVES = 3  # fewer positive rows than this: the theme falls back to its seed patterns


@dataclass(slots=True)
class TrainingSet:
    """Texts, a label matrix (1, 0, -1 = unlabelled) and a weight per row."""

    texts: list[str] = field(default_factory=list)
    labels: list[list[int]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def add(self, text: str, labels: list[int], weight: float, kind: str) -> None:
        """Append one training row."""
        self.texts.append(text)
        self.labels.append(labels)
        self.weights.append(weight)
        self.kinds.append(kind)

    def digest(self) -> str:
        """Return a short hash of the rows, so a model says exactly what it learnt from."""
        payload = json.dumps([self.texts, self.labels, self.weights], ensure_ascii=False)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:10]


@dataclass(slots=True)
class ThemeModel:
    """A fitted vectoriser and one probabilistic classifier per theme (None = seeds only)."""

    version: str
    theme_ids: list[str]
    vectorizer: TfidfVectorizer
    classifiers: dict[str, object | None]
    seeds: dict[str, list[str]] = field(default_factory=dict)
    card: dict = field(default_factory=dict)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Return an (n_texts, n_themes) array of scores in [0, 1]."""
        scores = np.zeros((len(texts), len(self.theme_ids)))
        if not texts:
            return scores
        features = featurise(self.vectorizer, texts, self.seeds, fit=False)
        for j, theme_id in enumerate(self.theme_ids):
            clf = self.classifiers.get(theme_id)
            if clf is not None:
                scores[:, j] = clf.predict_proba(features)[:, 1]
        return scores


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


def seed_features(texts: list[str], seeds: dict[str, list[str]]) -> sparse.csr_matrix:
    """Return one 0/1 column per theme: does any of its seed patterns match the text."""
    compiled = [re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) for pats in seeds.values()]
    cleaned = [clean_text(t) for t in texts]
    rows = [[1.0 if pat.search(t) else 0.0 for pat in compiled] for t in cleaned]
    return sparse.csr_matrix(np.asarray(rows).reshape(len(texts), len(compiled)) * SEED_SCALE)


def featurise(vectorizer: TfidfVectorizer, texts: list[str], seeds: dict[str, list[str]],
              fit: bool) -> sparse.csr_matrix:
    """Return TF-IDF features, with the seed-pattern columns beside them when seeds are given."""
    prepared = [model_text(t) for t in texts]
    words = vectorizer.fit_transform(prepared) if fit else vectorizer.transform(prepared)
    if not seeds:
        return words.tocsr()
    return sparse.hstack([words, seed_features(texts, seeds)]).tocsr()


def fit_one(features, y: np.ndarray, weights: np.ndarray, seed: int, c: float):
    """Fit one theme's calibrated classifier; sigmoid calibration when data allow."""
    base = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=2000, random_state=seed
    )
    n_minor = int(min(y.sum(), len(y) - y.sum()))
    if n_minor >= 6:
        clf = CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)
        clf.fit(features, y, sample_weight=weights)
        return clf
    base.fit(features, y, sample_weight=weights)
    return base


def fit_theme_model(
    data: TrainingSet,
    theme_ids: list[str],
    seed: int,
    c: float = 4.0,
    version_prefix: str = "themes",
    seeds: dict[str, list[str]] | None = None,
) -> ThemeModel:
    """Fit the vectoriser on every row and one classifier per theme on its labelled rows."""
    vectorizer = make_vectorizer(len(data.texts))
    seeds = seeds or {}
    features = featurise(vectorizer, data.texts, seeds, fit=True)
    labels = np.asarray(data.labels, dtype=int)
    weights = np.asarray(data.weights, dtype=float)
    classifiers: dict[str, object | None] = {}
    counts = {}
    for j, theme_id in enumerate(theme_ids):
        mask = labels[:, j] >= 0
        y = labels[mask, j]
        counts[theme_id] = {"rows": int(mask.sum()), "positives": int(y.sum())}
        if y.sum() < MIN_POSITIVES or y.sum() == len(y):
            classifiers[theme_id] = None
            continue
        classifiers[theme_id] = fit_one(features[mask], y, weights[mask], seed, c)
    version = f"{version_prefix}-{data.digest()}-s{seed}"
    card = {"version": version, "seed": seed, "C": c, "rows": len(data.texts), "themes": counts}
    return ThemeModel(version, list(theme_ids), vectorizer, classifiers, seeds, card)


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
