"""The classify stage: run each NLP task over the store in order.

Each task is a module exposing ``run(db, config, progress) -> dict[str, int]``.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import sqlite_utils

from tracker.config import Config

log = logging.getLogger(__name__)

# In order: the register first, then recipients (which need it), then responses (which need
# recipients), then themes, topics and the category audit (which need concern text).
TASKS = (
    "nlp.organisations",
    "nlp.recipients",
    "nlp.responses",
    "nlp.themes",
    "nlp.topics",
    "nlp.audit",
)


def run_classify(
    db: sqlite_utils.Database, config: Config, progress: bool = True
) -> dict[str, Any]:
    """Run every classify task that exists; return their figures, prefixed by task."""
    summary: dict[str, Any] = {}
    for name in TASKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.warning("classify: %s is not built yet; skipped", name)
            continue
        if not hasattr(module, "run"):
            continue
        figures = module.run(db, config, progress=progress)
        short = name.split(".")[-1]
        summary.update({f"{short}.{key}": value for key, value in figures.items()})
    return summary
