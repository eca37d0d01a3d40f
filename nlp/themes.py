"""Assign concern themes to every concern item, and roll them up to reports.

Scores come from the trained theme model (nlp.theme_model); 0.5 is each theme's decision
threshold and only assigned themes are stored. A report is scored on its concern items and on
its concerns section as a whole; themes marked `context` may also come from the circumstances
of the death and the deceased's age as the investigation section states it. A report with no
text at all falls back to its site categories and recipients (source = fallback).
"""

from __future__ import annotations

import json
import logging

import sqlite_utils

from nlp.taxonomy import Taxonomy, load_taxonomy
from nlp.theme_model import ThemeModel, load_model
from nlp.theme_score import fallback_themes, score_reports
from nlp.theme_train import DEFAULT_CORPUS_LIMIT, train_themes
from nlp.themes_io import read_report_texts, write_theme_rows
from tracker.config import Config

log = logging.getLogger(__name__)

FALLBACK_VERSION = "themes-fallback-v1"


def ensure_model(db: sqlite_utils.Database, config: Config, taxonomy: Taxonomy) -> ThemeModel:
    """Load the saved model, or train the default one from the shipped seeds (first use)."""
    model = load_model(config.models_dir)
    if model is not None and model.theme_ids == taxonomy.ids:
        return model
    log.info("themes: no usable model in %s; training the default one", config.models_dir)
    return train_themes(db, config, use_labelled=False, corpus_limit=DEFAULT_CORPUS_LIMIT)


def run(db: sqlite_utils.Database, config: Config, progress: bool = True) -> dict[str, int]:
    """Assign themes to concern items and reports; return the stage figures."""
    taxonomy = load_taxonomy()
    db["themes"].upsert_all([t.to_row() for t in taxonomy.themes], pk="id")
    model = ensure_model(db, config, taxonomy)
    reports, fallbacks = read_report_texts(db, progress)
    scored = score_reports(model, taxonomy, reports)
    fallback = {
        rid: fallback_themes(taxonomy, cats, recips) for rid, (cats, recips) in fallbacks.items()
    }
    figures = write_theme_rows(
        db, taxonomy, model.version, reports, scored, fallback, FALLBACK_VERSION
    )
    figures["reports_text"] = len(reports)
    figures["reports_fallback"] = len(fallback)
    log.info("themes: %s", json.dumps(figures))
    return figures
