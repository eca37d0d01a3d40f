"""The fitted theme classifier: TF-IDF features, one logistic regression per theme, and for
themes with gold labels a small stacker (model log-odds + seed match) and a tuned threshold.

Scores are rescaled so that each theme's threshold sits at 0.5. Fitting is in
nlp.theme_fit; this module scores text and saves and loads the model.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression

from nlp.concern_text import clean_text, model_text

log = logging.getLogger(__name__)

MODEL_FILE = "themes.joblib"
CARD_FILE = "themes.json"
MODEL_FORMAT = 2  # bump when a saved model can no longer be read the same way
SEED_FLOOR = 0.6  # the score a seed match alone gives a theme that has no gold labels


@dataclass(slots=True)
class ThemeModel:
    """A fitted vectoriser, one classifier per theme (None = no model) and its thresholds."""

    version: str
    theme_ids: list[str]
    vectorizer: Any  # a fitted scikit-learn text vectoriser
    classifiers: dict[str, LogisticRegression | None]
    thresholds: dict[str, float] = field(default_factory=dict)
    seeds: dict[str, str] = field(default_factory=dict)
    stackers: dict[str, LogisticRegression] = field(default_factory=dict)
    card: dict = field(default_factory=dict)

    def raw_proba(self, texts: list[str], hits: np.ndarray | None = None) -> np.ndarray:
        """Return an (n_texts, n_themes) array of probabilities before rescaling.

        A theme with a stacker combines classifier and seed match as learnt on gold reports;
        a theme without one (no gold labels) is assigned whenever a seed pattern matches, as
        the keyword baseline would be, and the classifier adds what the seeds miss. `hits`
        (texts x themes, 0/1) may be given when the caller has matched the seeds already.
        """
        scores = np.zeros((len(texts), len(self.theme_ids)))
        if not texts:
            return scores
        features = self.vectorizer.transform([model_text(t) for t in texts])
        if hits is None:
            hits = self.seed_hits(texts)
        for j, theme_id in enumerate(self.theme_ids):
            clf = self.classifiers.get(theme_id)
            if clf is None:
                scores[:, j] = SEED_FLOOR * hits[:, j]
            elif theme_id in self.stackers:
                proba = clf.predict_proba(features)[:, 1]
                scores[:, j] = stack(self.stackers[theme_id], proba, hits[:, j])
            else:
                proba = clf.predict_proba(features)[:, 1]
                scores[:, j] = np.maximum(proba, SEED_FLOOR * hits[:, j])
        return scores

    def seed_hits(self, texts: list[str]) -> np.ndarray:
        """Return a (texts x themes) 0/1 array: does each theme's seed pattern match."""
        lowered = [clean_text(t).lower() for t in texts]
        out = np.zeros((len(texts), len(self.theme_ids)))
        for j, theme_id in enumerate(self.theme_ids):
            if theme_id in self.seeds:
                out[:, j] = seed_hits_column(lowered, self.seeds[theme_id])
        return out

    def predict_proba(self, texts: list[str], hits: np.ndarray | None = None) -> np.ndarray:
        """Return scores in [0, 1] where 0.5 is each theme's decision threshold."""
        raw = self.raw_proba(texts, hits)
        cut = np.array([self.thresholds.get(t, 0.5) for t in self.theme_ids])
        return rescale(raw, cut)


def seed_hits_column(lowered: list[str], pattern: str) -> np.ndarray:
    """Return 1.0 where a theme's lower-case seed pattern matches a cleaned, lower-cased text."""
    compiled = re.compile(pattern)
    return np.array([1.0 if compiled.search(t) else 0.0 for t in lowered])


def stack_features(proba: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """Return the stacker's inputs: the classifier's log-odds and the seed match."""
    p = np.clip(proba, 1e-4, 1 - 1e-4)
    return np.column_stack([np.log(p / (1 - p)), hits])


def stack(stacker: LogisticRegression, proba: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """Combine the classifier's probability with the seed match, as learnt on gold rows."""
    return stacker.predict_proba(stack_features(proba, hits))[:, 1]


def rescale(raw: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Map each column piecewise-linearly so its threshold goes to 0.5 (0 and 1 stay put)."""
    low = raw * 0.5 / cut
    high = 0.5 + (raw - cut) * 0.5 / (1.0 - cut)
    return np.where(raw < cut, low, high)


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
    if not isinstance(model, ThemeModel) or model.card.get("format") != MODEL_FORMAT:
        log.warning("%s is from another version of the code; a new model will be trained", path)
        return None
    return model
