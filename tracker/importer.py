"""`pdt import`: load Preventable-Deaths-Tracker-style exports through the crawler's writers.

Two layouts: the scraper's report export (`date_of_report, ref, ... report_url, pdf_url,
reply_urls, circumstances, concerns ...`) and the tracker's status database (`Status, Date
added, ..., Sent to count, Replies count, URL`). A report's id is the final slug of its URL,
the join key across site generations, so both files merge onto the same rows. A report
already in the store only has its blanks filled: an import never overwrites stored values,
and importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.areas import canonical_area
from crawler.documents import classify_document, org_hint
from crawler.fields import clean_text, normalise_ref, one_line, parse_report_date, ref_year
from crawler.parse import report_id_from_url
from tracker.db import add_error, content_hash, now_iso, upsert_documents, upsert_report
from tracker.foi_match import header_key
from tracker.models import Document, ErrorRow, Report, StageCounts, stable_id

log = logging.getLogger(__name__)

STAGE = "import"
BLANK = (None, "", "[]")
FORMATS = {
    "reports": {"date of report", "ref", "deceased name", "report url"},
    "status": {"status", "date of report", "ref", "replies count", "url"},
}
# Section columns of the reports layout -> section names used by the extract stage.
SECTION_COLUMNS = {
    "legal": "legal_powers",
    "inquest": "investigation",
    "circumstances": "circumstances",
    "concerns": "concerns",
    "action": "action",
    "response": "response",
}


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV export; keys become header_key()s ("Date of report" -> "date of report")."""
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        headers = [header_key(h) for h in reader.fieldnames or []]
        rows = [
            {header_key(k): (v or "") for k, v in row.items() if k is not None} for row in reader
        ]
    return headers, rows


def detect_format(headers: Iterable[str]) -> str:
    """Return which export layout the headers belong to, or raise ValueError."""
    keys = set(headers)
    for name, needed in FORMATS.items():
        if needed <= keys:
            return name
    raise ValueError(
        "not a Preventable-Deaths-Tracker export: expected the columns of "
        f"pfd_reports.csv or pfd_reports_status.csv, found {sorted(keys)}"
    )


def split_list(text: str) -> list[str]:
    """Split a `|`-separated field (categories, reply URLs)."""
    return [one_line(part) for part in (text or "").split("|") if one_line(part)]


def _int(value: str) -> int | None:
    try:
        return int(float(value)) if str(value).strip() else None
    except ValueError:
        return None


# --- row -> models -------------------------------------------------------------------------


def report_from_row(row: dict[str, str], fmt: str) -> Report:
    """Build the Report an export row describes; raise ValueError without a report URL."""
    url = one_line(row.get("report url") if fmt == "reports" else row.get("url"))
    slug = report_id_from_url(url)
    if not slug:
        raise ValueError("row has no report URL")
    ref_raw = one_line(row.get("ref"))
    ref = normalise_ref(ref_raw)
    date_raw = row.get("date of report", "")
    sent_to = row.get("this report is being sent to" if fmt == "reports" else "sent to", "")
    return Report(
        id=slug,
        url=url,
        generation="import",
        ref=ref,
        ref_raw=ref_raw,
        date_of_report=parse_report_date(date_raw, fallback_year=ref_year(ref)),
        date_of_report_raw=date_raw,
        date_added=parse_report_date(row.get("date added", "")) if fmt == "status" else None,
        deceased_name=one_line(row.get("deceased name")),
        coroner_name=one_line(row.get("coroner name")),
        coroner_area=canonical_area(clean_text(row.get("coroner area"))),
        coroner_area_raw=clean_text(row.get("coroner area")),
        categories=split_list(row.get("category", "")),
        recipients_raw=clean_text(sent_to),
        source="import",
    )


def documents_from_row(report: Report, row: dict[str, str]) -> list[Document]:
    """Return the report's document links: the PDF and each reply, kinds judged by name."""
    links = [(one_line(row.get("pdf url")), True)]
    links += [(url, False) for url in split_list(row.get("reply urls", ""))]
    documents = []
    for position, (url, button) in enumerate(links):
        if not url:
            continue
        kind = classify_document(url, ref=report.ref, deceased=report.deceased_name, button=button)
        documents.append(
            Document(
                id=stable_id(report.id, url),
                report_id=report.id,
                url=url,
                kind=kind,
                file_name=url.rstrip("/").rsplit("/", 1)[-1],
                org_hint=org_hint(url, ref=report.ref) if kind == "response" else "",
                position=position,
            )
        )
    return documents


def imported_row(report: Report, row: dict[str, str], fmt: str, file_name: str) -> dict:
    """Return the imported_reports row: what the export says beyond the report's fields."""
    out: dict[str, Any] = {"report_id": report.id, "format": fmt, "file_name": file_name}
    if fmt == "status":
        out.update(
            published_status=one_line(row.get("status")).lower() or None,
            date_added=report.date_added,
            sent_to=one_line(row.get("sent to")),
            sent_to_count=_int(row.get("sent to count", "")),
            replies_count=_int(row.get("replies count", "")),
            research_tags=one_line(row.get("research tags")),
            number_of_deceased=one_line(row.get("number of deceased")),
            date_of_death=one_line(row.get("date of death")),
            age=one_line(row.get("age")),
            sex=one_line(row.get("sex")),
        )
    else:
        out.update(
            sent_to=one_line(row.get("this report is being sent to")),
            reply_urls_count=len(split_list(row.get("reply urls", ""))),
        )
    payload = json.dumps({k: v for k, v in sorted(out.items()) if k != "file_name"})
    out["row_hash"] = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return out


def is_landing_page(row: dict[str, str], fmt: str) -> bool:
    """Return whether a row is a category landing page (a URL and nothing about a report)."""
    fields = (
        "date of report",
        "ref",
        "deceased name",
        "pdf url",
        "reply urls",
        "sent to",
        "this report is being sent to",
        "coroner name",
    )
    return not any(one_line(row.get(f)) for f in fields)


# --- writes --------------------------------------------------------------------------------


def add_error_once(
    db: sqlite_utils.Database, stage: str, kind: str, url: str, message: str, report_id: str = ""
) -> bool:
    """Record bad input unless the same error is already recorded (imports are re-run)."""
    where = "stage = ? AND kind = ? AND url = ? AND message = ?"
    if db["errors"].count_where(where, [stage, kind, url, message]):
        return False
    add_error(db, ErrorRow(stage=stage, kind=kind, url=url, message=message, report_id=report_id))
    return True


def save_report(db: sqlite_utils.Database, report: Report, seen_at: str) -> str:
    """Insert a new report through upsert_report; for a stored one, fill its blanks only."""
    table = db["reports"]
    if not table.count_where("id = ?", [report.id]):
        return upsert_report(db, report, seen_at=seen_at)
    old = table.get(report.id)
    new = report.to_row()
    new["categories"] = json.dumps(report.categories, ensure_ascii=False)
    fills = {
        k: v
        for k, v in new.items()
        if k not in ("id", "source", "generation") and old.get(k) in BLANK and v not in BLANK
    }
    if not fills:
        return "unchanged"
    fills["content_hash"] = content_hash({**old, **fills})
    fills["last_changed_at"] = seen_at
    table.update(report.id, fills)
    return "updated"


def save_sections(db: sqlite_utils.Database, report_id: str, row: dict[str, str]) -> int:
    """Store the export's section text with source 'import', never over a better source."""
    table = db["sections"]
    written = 0
    for column, name in SECTION_COLUMNS.items():
        text = (row.get(column) or "").strip()
        if not text:
            continue
        where = "report_id = ? AND name = ?"
        old = next(table.rows_where(where, [report_id, name]), None)
        if old is not None and (old["source"] != "import" or old["text"] == text):
            continue
        table.upsert(
            {
                "report_id": report_id,
                "name": name,
                "text": text,
                "source": "import",
                "model_version": None,
            },
            pk=("report_id", "name"),
        )
        written += 1
    return written


def save_imported(db: sqlite_utils.Database, row: dict[str, Any]) -> bool:
    """Store an imported_reports row unless the same content is already there."""
    table = db["imported_reports"]
    where = "report_id = ? AND format = ? AND row_hash = ?"
    if table.count_where(where, [row["report_id"], row["format"], row["row_hash"]]):
        return False
    table.upsert({**row, "imported_at": now_iso()}, pk=("report_id", "format"))
    return True


def import_row(
    db: sqlite_utils.Database, row: dict[str, str], fmt: str, file: Path, seen_at: str
) -> tuple[str, dict[str, int]]:
    """Import one export row; return the report outcome and what else was written."""
    report = report_from_row(row, fmt)
    outcome = save_report(db, report, seen_at)
    extra = {"documents_new": 0, "sections_written": 0, "bad_dates": 0, "bad_refs": 0}
    if fmt == "reports":
        extra["documents_new"] = upsert_documents(db, documents_from_row(report, row), seen_at)
        extra["sections_written"] = save_sections(db, report.id, row)
    if save_imported(db, imported_row(report, row, fmt, file.name)) and outcome == "unchanged":
        outcome = "updated"
    if report.date_of_report is None:
        extra["bad_dates"] = 1
        add_error_once(
            db,
            STAGE,
            "bad_date",
            report.url,
            f"unreadable date of report {report.date_of_report_raw!r}",
            report.id,
        )
    if report.ref is None:
        extra["bad_refs"] = 1
    return outcome, extra


def file_seen_at(path: Path) -> str:
    """Return when the export was written: a stable 'seen at' for every row it holds."""
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    return stamp.isoformat()


def run_import(
    db: sqlite_utils.Database, file: Path, fmt: str = "auto", progress: bool = True
) -> dict[str, Any]:
    """Import an export file; return new/updated/unchanged/failed counts and more."""
    file = Path(file)
    headers, rows = read_rows(file)
    detected = detect_format(headers)
    if fmt != "auto" and fmt != detected:
        raise ValueError(f"{file.name} has the {detected} layout, not {fmt}")
    seen_at = file_seen_at(file)
    with fast_writes(db):
        return _import_rows(db, file, rows, detected, seen_at, progress)


@contextmanager
def fast_writes(db: sqlite_utils.Database) -> Iterator[None]:
    """Skip the fsync after each small commit (safe in WAL mode); restore it afterwards."""
    previous = db.execute("PRAGMA synchronous").fetchone()[0]
    db.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        db.execute(f"PRAGMA synchronous={int(previous)}")


def _import_rows(
    db: sqlite_utils.Database,
    file: Path,
    rows: list[dict[str, str]],
    detected: str,
    seen_at: str,
    progress: bool,
) -> dict[str, Any]:
    """Import every row of a read export; return the stage figures."""
    counts = StageCounts()
    extra = {"skipped": 0, "documents_new": 0, "sections_written": 0, "bad_dates": 0, "bad_refs": 0}
    for number, row in enumerate(_track(rows, progress), start=2):
        url = one_line(row.get("report url") or row.get("url"))
        if is_landing_page(row, detected):
            extra["skipped"] += 1
            add_error_once(db, STAGE, "skipped", url, "row holds no report data (landing page?)")
            continue
        try:
            with db.conn:
                outcome, figures = import_row(db, row, detected, file, seen_at)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("%s row %d: %s", file.name, number, exc)
            counts.add("failed")
            add_error_once(db, STAGE, "bad_row", url, f"{file.name} row {number}: {exc}")
            continue
        counts.add(outcome)
        for key, value in figures.items():
            extra[key] += value
    return {"format": detected, "rows": len(rows), **counts.as_dict(), **extra}


def _track(rows: list[dict[str, str]], progress: bool) -> Iterable[dict[str, str]]:
    if not progress:
        return rows
    from rich.progress import track

    return track(rows, description="import", transient=True)
