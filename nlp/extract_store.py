"""Writes of the extract stage: document texts, sections, concerns, report facts, responses.

Every write compares with what is stored first, so a re-run changes nothing, and a worse result
(no text, or fewer sections) never replaces a better one.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import sqlite_utils
from rich.progress import track

from nlp.pdf import DocText
from nlp.report_facts import ReportFacts, parse_report_facts
from nlp.response_text import parse_response
from nlp.sections import Split, choose_split, score_sections, sections_version, split_sections
from tracker.db import add_error, now_iso
from tracker.models import ErrorRow, stable_id

log = logging.getLogger(__name__)

STAGE = "extract"
FACTS_VERSION = "reg28-facts-1"
RESPONSE_VERSION = "response-letter-1"
SOURCE_ORDER = {"pdf": 0, "docx": 0, "html": 1, "ocr": 2}


def add_error_once(db: sqlite_utils.Database, error: ErrorRow) -> bool:
    """Record an error unless the same one is already recorded (re-runs add nothing)."""
    sql = "SELECT 1 FROM errors WHERE stage = ? AND url = ? AND message = ? LIMIT 1"
    if db.execute(sql, [error.stage, error.url, error.message]).fetchone():
        return False
    add_error(db, error)
    return True


def store_text(db: sqlite_utils.Database, task: Any, result: DocText, version: str) -> str:
    """Store one file's text; keep an older good text if this attempt produced none."""
    table = db["document_texts"]
    key = (task.sha256, version)
    old = next(iter(table.rows_where("sha256 = ? AND extractor_version = ?", key)), None)
    if result.error:
        kind = "needs_ocr" if result.needs_ocr else ("warning" if result.text else "error")
        add_error_once(db, ErrorRow(STAGE, result.error, task.url, task.report_id, kind=kind))
    if old and old["chars"] and not result.text:
        return "kept"
    row = {
        "sha256": task.sha256,
        "extractor_version": version,
        "text": result.text,
        "text_source": result.text_source,
        "pages": result.pages,
        "chars": result.chars,
        "quality": result.quality,
        "needs_ocr": int(result.needs_ocr),
        "error": result.error or None,
    }
    if old and all(old.get(k) == v for k, v in row.items()):
        return "unchanged"
    table.upsert({**row, "extracted_at": now_iso()}, pk=("sha256", "extractor_version"))
    return "updated" if old else "new"


# --- reports ---------------------------------------------------------------------------------


def report_ids(db: sqlite_utils.Database, version: str) -> list[str]:
    """Return the reports that have page text or an extracted report document."""
    sql = """
        SELECT id FROM reports WHERE coalesce(page_text, '') != ''
        UNION
        SELECT d.report_id FROM documents d JOIN document_texts t
          ON t.sha256 = d.sha256 AND t.extractor_version = ?
        WHERE d.kind = 'report' AND t.chars > 0 AND d.report_id IS NOT NULL
        ORDER BY 1
    """
    return [row[0] for row in db.execute(sql, [version]).fetchall()]


def report_splits(db: sqlite_utils.Database, report_id: str, version: str) -> list[Split]:
    """Split every text of a report (its PDFs and its page text), preferred source first."""
    sql = """
        SELECT t.text, t.text_source FROM documents d JOIN document_texts t
          ON t.sha256 = d.sha256 AND t.extractor_version = ?
        WHERE d.report_id = ? AND d.kind = 'report' AND t.chars > 0 ORDER BY d.position, d.id
    """
    texts = [(row[0], row[1]) for row in db.execute(sql, [version, report_id]).fetchall()]
    page = db.execute("SELECT page_text FROM reports WHERE id = ?", [report_id]).fetchone()
    if page and page[0]:
        texts.append((page[0], "html"))
    texts.sort(key=lambda pair: SOURCE_ORDER.get(pair[1], 3))
    return [split_sections(text, source) for text, source in texts]


def desired_rows(report_id: str, split: Split, facts: ReportFacts) -> dict[str, list[dict]]:
    """Return the rows a report should have in sections, concerns and report_facts."""
    version = sections_version()
    sections = [
        {
            "report_id": report_id,
            "name": name,
            "text": text,
            "source": split.source,
            "model_version": version,
        }
        for name, text in split.sections.items()
    ]
    concerns = [
        {
            "id": stable_id(report_id, str(position)),
            "report_id": report_id,
            "position": position,
            "text": text,
            "source": split.source,
            "model_version": FACTS_VERSION,
        }
        for position, text in enumerate(facts.concerns, start=1)
    ]
    fact_row = {
        "report_id": report_id,
        "coroner_name": facts.coroner_name or None,
        "coroner_area": facts.coroner_area or None,
        "conclusion": facts.conclusion or None,
        "cause_of_death": facts.cause_of_death or None,
        "response_deadline": facts.response_deadline,
        "response_deadline_raw": facts.response_deadline_raw or None,
        "recipients_from_pdf": "\n".join(facts.recipients) or None,
        "source": split.source,
        "model_version": FACTS_VERSION,
    }
    return {"sections": sections, "concerns": concerns, "report_facts": [fact_row]}


def stored_rows(db: sqlite_utils.Database, report_id: str) -> dict[str, list[dict]]:
    """Return a report's current rows in the three tables, in the same shape as desired_rows."""
    order = {"sections": "name", "concerns": "position", "report_facts": "report_id"}
    return {
        table: list(db[table].rows_where("report_id = ?", [report_id], order_by=order[table]))
        for table in order
    }


def write_report(db: sqlite_utils.Database, report_id: str, split: Split) -> tuple[str, int]:
    """Bring a report's sections, concerns and facts up to date; say what happened.

    Returns the outcome (new, updated, unchanged, kept) and the number of concerns.
    """
    want = desired_rows(report_id, split, parse_report_facts(split.sections))
    outcome = store_rows(db, report_id, split, want)
    return outcome, len(want["concerns"])


def store_rows(
    db: sqlite_utils.Database, report_id: str, split: Split, want: dict[str, list[dict]]
) -> str:
    """Write a report's rows unless they are unchanged or would replace a better split."""
    have = stored_rows(db, report_id)
    want["sections"].sort(key=lambda r: r["name"])
    if want == have:
        return "unchanged"
    old_sections = {row["name"]: row["text"] for row in have["sections"]}
    if score_sections(old_sections) > split.score:
        return "kept"
    pks = {"sections": ("report_id", "name"), "concerns": "id", "report_facts": "report_id"}
    with db.conn:
        for table in ("sections", "concerns"):
            db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
        for table, rows in want.items():
            if rows:
                db[table].upsert_all(rows, pk=pks[table])
    return "updated" if have["sections"] else "new"


def section_reports(db: sqlite_utils.Database, version: str, progress: bool) -> Counter:
    """Split every report into sections from its best text; return the figures."""
    counts: Counter = Counter()
    ids = report_ids(db, version)
    for report_id in track(ids, description="Sectioning reports", disable=not progress or not ids):
        split = choose_split(report_splits(db, report_id, version))
        if split is None:
            counts["reports_without_sections"] += 1
            continue
        outcome, concerns = write_report(db, report_id, split)
        counts[f"sections_from_{split.source}"] += 1
        if outcome in ("new", "updated"):
            counts["reports_sectioned"] += 1
            counts["concerns"] += concerns
        else:
            counts[f"reports_{outcome}"] += 1
    return counts


# --- responses -------------------------------------------------------------------------------


def store_responses(db: sqlite_utils.Database, version: str, progress: bool) -> Counter:
    """Read each response letter's date, organisation and text into response_details."""
    counts: Counter = Counter()
    sql = """
        SELECT d.id FROM documents d JOIN document_texts t
          ON t.sha256 = d.sha256 AND t.extractor_version = ?
        WHERE d.kind = 'response' AND t.chars > 0 ORDER BY d.id
    """
    ids = [row[0] for row in db.execute(sql, [version]).fetchall()]
    for doc_id in track(ids, description="Reading responses", disable=not progress or not ids):
        outcome = store_response(db, doc_id, version)
        counts[f"responses_{outcome}"] += 1
    return counts


def store_response(db: sqlite_utils.Database, doc_id: str, version: str) -> str:
    """Write one response's details if they changed."""
    sql = """
        SELECT d.report_id, t.text, t.text_source FROM documents d JOIN document_texts t
          ON t.sha256 = d.sha256 AND t.extractor_version = ? WHERE d.id = ?
    """
    report_id, text, source = db.execute(sql, [version, doc_id]).fetchone()
    facts = parse_response(text)
    row = {
        "document_id": doc_id,
        "report_id": report_id,
        "response_date": facts.response_date,
        "organisation": facts.organisation or None,
        "text": text,
        "source": source,
        "model_version": RESPONSE_VERSION,
    }
    old = next(iter(db["response_details"].rows_where("document_id = ?", [doc_id])), None)
    if old == row:
        return "unchanged"
    with db.conn:
        db["response_details"].upsert(row, pk="document_id")
    return "updated" if old else "read"
