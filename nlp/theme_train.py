"""Build the theme classifier's training rows and train it reproducibly.

Three sources, weakest first: seed patterns over the store's own concern items (weak
labels), the examples written into themes.yml, and, when present, the labelled files mapped
in theme_seeds_labelled.yml. The shipped seeds and examples alone are enough for a default
model; the labelled files refine it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from nlp.concern_text import AGE, clean_text, split_items
from nlp.taxonomy import Taxonomy, load_taxonomy, seed_hits
from nlp.theme_fit import TrainingSet, fit_theme_model
from nlp.theme_labels import LabelledReport, load_labelled
from nlp.theme_model import ThemeModel, save_model
from tracker.config import Config

log = logging.getLogger(__name__)

SEED = 20240528  # the one place the themes' random seed is set
WEIGHTS = {"weak": 1.0, "example": 3.0, "gold": 3.0}
AGE_WINDOW = 1000  # characters of the investigation section searched for the deceased's age
CORPUS_LIMIT = 20000  # concern items weakly labelled for `pdt train themes`
DEFAULT_CORPUS_LIMIT = 5000  # ... and for the default model trained on first use
REPO_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(slots=True)
class Corpus:
    """Unlabelled text from the store: concern items, and circumstances for context themes."""

    items: list[str]
    contexts: list[str]


def weak_labels(text: str, taxonomy: Taxonomy, only: str = "all") -> list[int]:
    """Label a text by the seed patterns; only=context|issue leaves the other kind unlabelled."""
    hits = set(seed_hits(text, taxonomy))
    row = []
    for theme in taxonomy.themes:
        wanted = only == "all" or (only == "context") == theme.context
        row.append((1 if theme.id in hits else 0) if wanted else -1)
    return row


def add_examples(data: TrainingSet, taxonomy: Taxonomy) -> None:
    """Add the examples written into themes.yml: positive for their theme, seeds for the rest."""
    for theme in taxonomy.themes:
        for text in theme.examples:
            row = weak_labels(text, taxonomy)
            row[taxonomy.ids.index(theme.id)] = 1
            data.add(text, row, WEIGHTS["example"])


def add_corpus(data: TrainingSet, corpus: Corpus, taxonomy: Taxonomy) -> None:
    """Add the store's concern items and circumstances with their weak labels."""
    for text in corpus.items:
        data.add(text, weak_labels(text, taxonomy), WEIGHTS["weak"])
    for text in corpus.contexts:
        data.add(text, weak_labels(text, taxonomy, only="context"), WEIGHTS["weak"])


def context_text(concerns: str, circumstances: str) -> str:
    """Return the text context themes are judged on: the concerns, then the circumstances."""
    return "\n\n".join(part for part in (concerns, circumstances) if part)


def age_note(investigation: str | None) -> str:
    """Return the deceased's age as the investigation section gives it ("aged 16"), or "".

    Section 3 of the form usually opens "... into the death of NAME, aged N"; the
    circumstances seldom repeat the age, yet for a context theme such as children and young
    people it is the strongest single clue. The first age near the start is taken.
    """
    found = AGE.search(clean_text(investigation or "")[:AGE_WINDOW])
    return found.group(0) if found else ""


def stated_ages(db: sqlite_utils.Database) -> dict[str, str]:
    """Return each report's age note, read from its investigation sections in order."""
    texts: dict[str, list[str]] = {}
    for row in db.query(
        "SELECT report_id, text FROM sections WHERE name LIKE '%investigation%' "
        "AND text IS NOT NULL ORDER BY report_id, name"
    ):
        texts.setdefault(row["report_id"], []).append(row["text"])
    return {rid: age_note("\n\n".join(parts)) for rid, parts in texts.items()}


def background_text(circumstances: str, age: str) -> str:
    """Return the circumstances, preceded by the deceased's age when it is known."""
    return "\n\n".join(part for part in (age, circumstances) if part)


def add_gold(data: TrainingSet, gold: list[LabelledReport], taxonomy: Taxonomy) -> None:
    """Add each labelled report: its concerns (issue themes), its concerns with circumstances
    (context themes), and its items unlabelled, so thresholds are tuned on the roll-up."""
    unlabelled = [-1] * len(taxonomy.ids)
    for group, report in enumerate(gold):
        for kind, text in (
            ("concerns", report.concerns),
            (
                "context",
                context_text(
                    report.concerns,
                    background_text(report.circumstances, age_note(report.investigation)),
                ),
            ),
        ):
            if not text:
                continue
            row = weak_labels(text, taxonomy, only="issue" if kind == "concerns" else "context")
            is_gold = [False] * len(row)
            for theme_id, value in report.labels.items():
                j = taxonomy.ids.index(theme_id)
                if row[j] >= 0:
                    row[j], is_gold[j] = int(value), True
            data.add(text, row, WEIGHTS["gold"], group, kind, is_gold)
        items = split_items(report.concerns)
        for item in items if len(items) > 1 else []:
            data.add(item, unlabelled, 0.0, group, "item")


def build_training_set(
    taxonomy: Taxonomy, corpus: Corpus | None = None, gold: list[LabelledReport] | None = None
) -> TrainingSet:
    """Assemble the training rows from seeds, examples, the store and labelled files."""
    data = TrainingSet()
    add_examples(data, taxonomy)
    if corpus is not None:
        add_corpus(data, corpus, taxonomy)
    add_gold(data, gold or [], taxonomy)
    return data


def spread(texts: list[str], limit: int) -> list[str]:
    """Keep at most `limit` texts, evenly spaced through the list (stable, no randomness)."""
    if len(texts) <= limit:
        return texts
    step = len(texts) / limit
    return [texts[int(i * step)] for i in range(limit)]


def read_corpus(db: sqlite_utils.Database, limit: int = CORPUS_LIMIT) -> Corpus:
    """Read concern items and circumstances from the store, in a stable order."""
    items = [
        r["text"]
        for r in db.query(
            "SELECT text FROM concerns WHERE text IS NOT NULL AND length(text) > 20 ORDER BY id"
        )
    ]
    if not items:
        sections = db.query(
            "SELECT text FROM sections WHERE name LIKE '%concern%' ORDER BY report_id"
        )
        items = [item for row in sections for item in split_items(row["text"])]
    ages = stated_ages(db)
    contexts = [
        background_text(r["text"], ages.get(r["report_id"], ""))
        for r in db.query(
            "SELECT report_id, text FROM sections WHERE name LIKE '%circumstance%' "
            "AND text IS NOT NULL ORDER BY report_id"
        )
    ]
    return Corpus(items=spread(items, limit), contexts=spread(contexts, limit // 3))


def default_labelled_dir() -> Path | None:
    """Return ../shared/data beside the repo when it is there (it is optional)."""
    return REPO_SHARED_DATA if REPO_SHARED_DATA.is_dir() else None


def train_themes(
    db: sqlite_utils.Database | None,
    config: Config,
    labelled_dir: Path | None = None,
    seed: int = SEED,
    use_labelled: bool = True,
    corpus_limit: int = CORPUS_LIMIT,
) -> ThemeModel:
    """Train the theme model from seeds, the store and labelled files; save it; return it."""
    taxonomy = load_taxonomy()
    corpus = read_corpus(db, corpus_limit) if db is not None else None
    if use_labelled:
        labelled_dir = labelled_dir or default_labelled_dir()
    gold = load_labelled(labelled_dir) if use_labelled else []
    data = build_training_set(taxonomy, corpus, gold)
    prefix = "themes-gold" if gold else "themes-seed"
    model = fit_theme_model(
        data,
        taxonomy.ids,
        [t.context for t in taxonomy.themes],
        seeds={t: p.pattern for t, p in taxonomy.combined.items()},
        seed=seed,
        version_prefix=prefix,
    )
    model.card.update(
        gold_reports=len(gold),
        corpus_items=len(corpus.items) if corpus else 0,
        examples=sum(len(t.examples) for t in taxonomy.themes),
    )
    save_model(model, config.models_dir)
    log.info("trained %s on %d rows", model.version, len(data.texts))
    return model
