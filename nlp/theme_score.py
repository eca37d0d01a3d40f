"""Pure scoring of reports against the themes: roll-up, keyword baseline and fallback."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from nlp.taxonomy import Taxonomy, seed_hits
from nlp.theme_model import ThemeModel
from nlp.theme_train import background_text, context_text

ASSIGN = 0.5
FALLBACK_SCORES = {"category": 0.6, "recipient": 0.55}
BATCH = 4000


@dataclass(slots=True)
class ReportText:
    """What a report offers the theme model: concern items, the whole section, circumstances,
    and the deceased's age from the investigation section (for context themes)."""

    report_id: str
    items: list[tuple[str | None, str]] = field(default_factory=list)  # (concern id, text)
    concerns: str = ""
    circumstances: str = ""
    age: str = ""  # as the investigation section states it ("aged 16"), or ""

    @property
    def has_text(self) -> bool:
        return bool(self.items or self.concerns.strip() or self.circumstances.strip())

    @property
    def background(self) -> str:
        """Return what context themes read besides the concerns: age, then circumstances."""
        return background_text(self.circumstances, self.age)

    def texts(self) -> list[str]:
        """Return the texts to score: items, the whole concerns, concerns with background."""
        texts = [t for _, t in self.items]
        if self.concerns and len(self.items) != 1:
            texts.append(self.concerns)
        if self.background:
            texts.append(context_text(self.concerns, self.background))
        return texts


@dataclass(slots=True)
class ReportScores:
    """Scores per item and per report, in taxonomy order."""

    items: np.ndarray
    report: np.ndarray
    n_concerns: np.ndarray


def rollup(report: ReportText, scores: np.ndarray, context_mask: np.ndarray) -> ReportScores:
    """Combine a report's text scores: issue themes from concerns, context themes from all."""
    k = len(context_mask)
    n_items = len(report.items)
    has_context = bool(report.background)
    concern_rows = scores[:-1] if has_context else scores
    issue = concern_rows.max(axis=0) if len(concern_rows) else np.zeros(k)
    everything = scores.max(axis=0) if len(scores) else np.zeros(k)
    item_scores = scores[:n_items]
    n_concerns = (item_scores >= ASSIGN).sum(axis=0) if n_items else np.zeros(k, dtype=int)
    return ReportScores(item_scores, np.where(context_mask, everything, issue), n_concerns)


def report_hits(model: ThemeModel, report: ReportText) -> np.ndarray:
    """Match the seeds on a report's parts once; the long rows' hits are the union of parts.

    Matching the whole section and the section with circumstances again would double the
    regular-expression work for (almost) nothing: a match across two items is rare.
    """
    parts = [t for _, t in report.items]
    whole = len(report.items) != 1 and bool(report.concerns)
    if whole and not parts:
        parts = [report.concerns]
    extra = [report.background] if report.background else []
    hits = model.seed_hits(parts + extra)
    concern_hits = hits[: len(parts)]
    rows = list(concern_hits[: len(report.items)])
    union = concern_hits.max(axis=0) if len(concern_hits) else np.zeros(hits.shape[1])
    if whole:
        rows.append(union)
    if extra:
        rows.append(np.maximum(union, hits[-1]))
    return np.array(rows).reshape(len(rows), hits.shape[1])


def score_reports(
    model: ThemeModel, taxonomy: Taxonomy, reports: list[ReportText]
) -> list[ReportScores]:
    """Score many reports in batches (one vectoriser pass per batch, not per report)."""
    context_mask = np.array([t.context for t in taxonomy.themes])
    results: list[ReportScores] = []
    for start in range(0, len(reports), BATCH):
        chunk = reports[start : start + BATCH]
        texts = [t for r in chunk for t in r.texts()]
        hits = np.vstack([report_hits(model, r) for r in chunk])
        scores = model.predict_proba(texts, hits)
        offset = 0
        for report in chunk:
            n = len(report.texts())
            results.append(rollup(report, scores[offset : offset + n], context_mask))
            offset += n
    return results


def keyword_scores(taxonomy: Taxonomy, report: ReportText) -> np.ndarray:
    """Return the keyword baseline for a report: 1 where a seed pattern matches, rolled up alike."""
    k = len(taxonomy.ids)
    texts = report.texts()
    if not texts:
        return np.zeros(k)
    found = [set(seed_hits(t, taxonomy)) for t in texts]
    hits = np.array([[tid in f for tid in taxonomy.ids] for f in found])
    context_mask = np.array([t.context for t in taxonomy.themes])
    return rollup(report, hits.astype(float), context_mask).report


def hint_matches(hint: str, text: str) -> bool:
    """Say whether a recipient hint starts a word of the normalised recipient text."""
    return re.search(rf"(?:^|[^a-z0-9]){re.escape(hint.lower())}", text) is not None


def fallback_themes(
    taxonomy: Taxonomy, categories: list[str], recipient_texts: list[str]
) -> dict[str, float]:
    """Return themes implied by a report's site categories and recipient types."""
    found: dict[str, float] = {}
    wanted = {c.strip().lower() for c in categories}
    norm = [re.sub(r"[\s\-/]+", "_", t.lower()) for t in recipient_texts if t]
    for theme in taxonomy.themes:
        if any(c.lower() in wanted for c in theme.categories):
            found[theme.id] = FALLBACK_SCORES["category"]
        elif any(hint_matches(h, t) for h in theme.recipients for t in norm):
            found[theme.id] = FALLBACK_SCORES["recipient"]
    return found
