"""`pdt analyse`: rebuild every derived tracking table as of a date, and count what it found.

Each step recomputes its tables from scratch, so re-running with the same store and the same
as-of date changes nothing.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

import sqlite_utils

from tracker.foi import reconcile_all
from tracker.missing import missing_counts, rebuild_ref_gaps
from tracker.status import rebuild_status

log = logging.getLogger(__name__)


def run_analyse(db: sqlite_utils.Database, as_of: date) -> dict[str, Any]:
    """Compute response statuses, ref gaps, removed reports and FOI reconciliation."""
    started = time.perf_counter()
    summary: dict[str, Any] = {"as_of": as_of.isoformat()}
    summary.update(rebuild_status(db, as_of))
    summary.update(rebuild_ref_gaps(db))
    summary.update(missing_counts(db))
    summary.update(reconcile_all(db))
    summary["seconds"] = round(time.perf_counter() - started, 2)
    log.info("analyse: %s", summary)
    return summary
