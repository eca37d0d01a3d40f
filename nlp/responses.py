"""The responses task: assign each response document to the recipient(s) it answers.

Evidence comes from the document's file name, link text and org hint, and from the letterhead
in response_details when the extract stage found one (nlp.response_match does the matching).
A response that matches no recipient is kept with recipient_id '' so it stays visible. A
report's rows are replaced only when they change.
"""

from __future__ import annotations

import logging
import re

import sqlite_utils
from rich.progress import track

from nlp.organisations import matcher_for
from nlp.recipients import Splitter, build_splitter, split_text
from nlp.response_match import (
    Candidate,
    Verdict,
    evidence_from_file_name,
    match_response,
    upload_date,
)
from tracker.config import Config
from tracker.db import add_error_once
from tracker.models import ErrorRow

log = logging.getLogger(__name__)

MODEL = "responses-rules-1"
SLUG_NOISE = frozenset("prevention of future deaths death report pfd and the".split())


def own_words(report: dict) -> frozenset[str]:
    """Return the words of the deceased's name, which file names repeat and which name no body."""
    text = f"{report.get('id') or ''} {report.get('deceased_name') or ''}"
    words = {w for w in re.split(r"[^a-z]+", text.lower()) if len(w) > 1}
    return frozenset(words - SLUG_NOISE)


def candidates(db: sqlite_utils.Database, report_id: str) -> list[Candidate]:
    """Return a report's recipients as match candidates."""
    rows = db.query(
        "SELECT id, organisation_id, org_type, nhs_trust_subtype, org_text, raw, "
        "organisation_name FROM recipients WHERE report_id = ? ORDER BY position",
        [report_id],
    )
    return [
        Candidate(
            r["id"],
            r["organisation_id"],
            r["org_type"] or "unknown",
            r["nhs_trust_subtype"],
            tuple(t for t in (r["org_text"], r["raw"], r["organisation_name"]) if t),
        )
        for r in rows
    ]


def evidence(splitter: Splitter, doc: dict, letterhead: str, own: frozenset[str]) -> list:
    """Return [(source, [organisation pieces])] for one response document."""
    sources = [
        ("file_name", evidence_from_file_name(doc.get("file_name") or doc.get("url") or "", own)),
        ("link_text", evidence_from_file_name(doc.get("link_text") or "", own)),
        ("org_hint", evidence_from_file_name(doc.get("org_hint") or "", own)),
        ("letterhead", letterhead or ""),
    ]
    found, seen = [], set()
    for source, text in sources:
        pieces = [r.org_text or r.raw for r in split_text(splitter, text)] if text else []
        pieces = [p for p in pieces if p.lower() not in seen]
        seen.update(p.lower() for p in pieces)
        found.append((source, pieces))
    return found


def verdict_row(doc: dict, verdict: Verdict, version: str) -> dict:
    """Build one responses row."""
    return {
        "document_id": doc["id"],
        "recipient_id": verdict.recipient_id,
        "report_id": doc["report_id"],
        "method": verdict.method,
        "score": verdict.score,
        "model_version": version,
        "evidence": verdict.evidence,
        "matched_on": verdict.matched_on,
    }


def report_rows(
    db: sqlite_utils.Database, splitter: Splitter, report: dict, docs: list[dict]
) -> list[dict]:
    """Match every response document of one report."""
    cands = candidates(db, report["id"])
    own = own_words(report)
    version = f"{MODEL}+{splitter.matcher.register.version()}"
    rows = []
    for doc in docs:
        found = evidence(splitter, doc, doc.get("letterhead") or "", own)
        on_date = upload_date(doc.get("url") or "")
        for verdict in match_response(splitter.matcher, found, cands, on_date):
            rows.append(verdict_row(doc, verdict, version))
    return rows


def response_docs(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Return the response documents of each report, with any letterhead organisation."""
    by_report: dict[str, list[dict]] = {}
    sql = (
        "SELECT d.id, d.report_id, d.url, d.file_name, d.link_text, d.org_hint, "
        "rd.organisation AS letterhead FROM documents d "
        "LEFT JOIN response_details rd ON rd.document_id = d.id "
        "WHERE d.kind = 'response' ORDER BY d.report_id, d.position, d.id"
    )
    for doc in db.query(sql):
        by_report.setdefault(doc["report_id"], []).append(doc)
    return by_report


def replace_rows(db: sqlite_utils.Database, docs: list[dict], rows: list[dict]) -> str:
    """Store the rows of a report's responses unless identical; return the outcome."""
    ids = [d["id"] for d in docs]
    marks = ",".join("?" * len(ids))
    old = list(db.query(f"SELECT * FROM responses WHERE document_id IN ({marks})", ids))
    key = lambda r: (r["document_id"], r["recipient_id"])  # noqa: E731
    if sorted(old, key=key) == sorted(rows, key=key):
        return "unchanged"
    with db.conn:
        db.execute(f"DELETE FROM responses WHERE document_id IN ({marks})", ids)
        db["responses"].insert_all(rows, pk=("document_id", "recipient_id"))
    return "new" if not old else "updated"


def run(db: sqlite_utils.Database, config: Config, progress: bool = True) -> dict[str, int]:
    """Match every response document to the recipients it answers."""
    splitter = build_splitter(matcher_for(config))
    counts = {"new": 0, "updated": 0, "unchanged": 0, "failed": 0, "matched": 0, "unmatched": 0}
    by_report = response_docs(db)
    reports = {r["id"]: r for r in db.query("SELECT id, url, deceased_name FROM reports")}
    for report_id, docs in track(
        list(by_report.items()), description="responses", disable=not progress
    ):
        report = reports.get(report_id) or {"id": report_id, "url": ""}
        try:
            rows = report_rows(db, splitter, report, docs)
        except Exception as exc:  # noqa: BLE001 - one bad report must not stop the stage
            log.exception("responses failed for %s", report_id)
            add_error_once(
                db,
                ErrorRow(
                    "classify",
                    f"responses: {exc}",
                    report.get("url", ""),
                    report_id,
                    kind="responses",
                ),
            )
            counts["failed"] += 1
            continue
        counts[replace_rows(db, docs, rows)] += 1
        counts["matched"] += sum(1 for r in rows if r["recipient_id"])
        counts["unmatched"] += sum(1 for r in rows if not r["recipient_id"])
    return counts
