"""What the store already knows before a crawl: known reports, fetched files, what to re-check.

An incremental crawl revisits only reports whose responses may still arrive: those whose
56-day deadline (date of report + 56 days) has not passed by more than a grace window on the
as-of date, and that do not already hold a response document per known recipient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils

from tracker.status import statutory_due

GRACE_DAYS = 90


@dataclass(slots=True)
class KnownReport:
    """A stored report, as much as the crawler needs to decide whether to fetch it again."""

    id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    date_of_report: str | None = None
    date_added: str | None = None
    recipients: int | None = None
    responses: int = 0
    removed: bool = False
    seen_at: str | None = None


@dataclass(slots=True)
class KnownFile:
    """A document URL whose body is stored, with its validators for a conditional re-check."""

    url: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class CrawlPlan:
    """The store's state at the start of a run."""

    reports: dict[str, KnownReport] = field(default_factory=dict)
    files: dict[str, KnownFile] = field(default_factory=dict)
    skipped_urls: set[str] = field(default_factory=set)
    done_ids: set[str] = field(default_factory=set)

    def revisit_ids(self, as_of: date, grace_days: int = GRACE_DAYS) -> list[str]:
        """Return the reports whose responses are outstanding or recently due."""
        return sorted(r.id for r in self.reports.values() if needs_revisit(r, as_of, grace_days))


def needs_revisit(report: KnownReport, as_of: date, grace_days: int = GRACE_DAYS) -> bool:
    """Tell whether a report's page may still gain responses, as seen on the as-of date."""
    if report.removed:
        return False
    base = report.date_of_report or report.date_added
    if not base:
        return False
    try:
        due = statutory_due(date.fromisoformat(base[:10]))
    except ValueError:
        return False
    if as_of > due + timedelta(days=grace_days):
        return False
    return report.recipients is None or report.responses < report.recipients


def _recipient_counts(db: sqlite_utils.Database) -> dict[str, int]:
    if "recipients" not in db.table_names():
        return {}
    rows = db.execute("SELECT report_id, COUNT(*) FROM recipients GROUP BY report_id")
    return dict(rows.fetchall())


def _response_counts(db: sqlite_utils.Database) -> dict[str, int]:
    rows = db.execute(
        "SELECT report_id, COUNT(*) FROM documents "
        "WHERE kind = 'response' AND removed_at IS NULL GROUP BY report_id"
    )
    return dict(rows.fetchall())


def load_plan(db: sqlite_utils.Database, run_started_at: str | None = None) -> CrawlPlan:
    """Read the plan from the store; reports seen since run_started_at count as done."""
    recipients = _recipient_counts(db)
    responses = _response_counts(db)
    plan = CrawlPlan()
    for row in db.execute(
        "SELECT id, url, etag, last_modified, date_of_report, date_added, removed_at, "
        "last_seen_at FROM reports WHERE source IS NULL OR source = 'html'"
    ).fetchall():
        rid = row[0]
        plan.reports[rid] = KnownReport(
            id=rid,
            url=row[1],
            etag=row[2],
            last_modified=row[3],
            date_of_report=row[4],
            date_added=row[5],
            recipients=recipients.get(rid),
            responses=responses.get(rid, 0),
            removed=row[6] is not None,
            seen_at=row[7],
        )
        if run_started_at and row[7] and row[7] >= run_started_at:
            plan.done_ids.add(rid)
    for url, sha, etag, modified in db.execute(
        "SELECT url, sha256, etag, last_modified FROM documents WHERE sha256 IS NOT NULL"
    ).fetchall():
        plan.files[url] = KnownFile(url=url, sha256=sha, etag=etag, last_modified=modified)
    plan.skipped_urls = {
        r[0] for r in db.execute("SELECT DISTINCT url FROM errors WHERE kind = 'skipped'")
    }
    return plan
