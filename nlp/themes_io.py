"""Read what the theme stage needs from the store, and write its rows back."""

from __future__ import annotations

import json
import logging
from collections import defaultdict

import numpy as np
import sqlite_utils
from rich.progress import track

from nlp.concern_text import split_items
from nlp.taxonomy import Taxonomy
from nlp.theme_score import ASSIGN, ReportScores, ReportText
from nlp.theme_train import stated_ages
from tracker.db import add_error
from tracker.models import ErrorRow

log = logging.getLogger(__name__)

FallbackInput = tuple[list[str], list[str]]  # (site categories, recipient texts)


def parse_categories(
    db: sqlite_utils.Database, report_id: str, raw: str | None, record: bool = True
) -> list[str] | None:
    """Read a report's categories JSON list; None when unreadable (recorded in errors)."""
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        if record:
            message = f"categories are not JSON: {exc}"
            add_error(
                db,
                ErrorRow(stage="classify", kind="categories", report_id=report_id, message=message),
            )
        return None
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def grouped(db: sqlite_utils.Database, sql: str) -> dict[str, list[dict]]:
    """Run a query whose first column is report_id and group its rows by report."""
    out: dict[str, list[dict]] = defaultdict(list)
    for row in db.query(sql):
        out[row["report_id"]].append(row)
    return out


def read_inputs(db: sqlite_utils.Database) -> dict[str, dict[str, list[dict]]]:
    """Read concern items, sections and recipients, each grouped by report."""
    return {
        "concerns": grouped(
            db,
            "SELECT report_id, id, text FROM concerns WHERE text IS NOT NULL "
            "AND trim(text) != '' ORDER BY report_id, position, id",
        ),
        "concern_sections": grouped(
            db,
            "SELECT report_id, text FROM sections WHERE name LIKE '%concern%' "
            "AND text IS NOT NULL ORDER BY report_id, name",
        ),
        "circumstances": grouped(
            db,
            "SELECT report_id, text FROM sections WHERE name LIKE '%circumstance%' "
            "AND text IS NOT NULL ORDER BY report_id, name",
        ),
        "recipients": grouped(
            db,
            "SELECT report_id, org_type, nhs_trust_subtype, organisation_name, raw "
            "FROM recipients ORDER BY report_id, position",
        ),
    }


def report_text(report: dict, inputs: dict[str, dict[str, list[dict]]], age: str) -> ReportText:
    """Gather one report's concern items, concerns section, circumstances and stated age."""
    rid = report["id"]
    items = [(r["id"], r["text"]) for r in inputs["concerns"].get(rid, [])]
    section = "\n\n".join(r["text"] for r in inputs["concern_sections"].get(rid, []))
    if not items and section:
        items = [(None, t) for t in split_items(section)]
    concerns = section or "\n\n".join(t for _, t in items)
    if not items and not concerns and (report.get("page_text") or "").strip():
        concerns = report["page_text"]
    circumstances = "\n\n".join(r["text"] for r in inputs["circumstances"].get(rid, []))
    return ReportText(rid, items, concerns.strip(), circumstances.strip(), age)


def recipient_texts(report: dict, rows: list[dict]) -> list[str]:
    """Return what a report's recipients say about who they are (types, names, raw text)."""
    texts = [
        str(r.get(k) or "")
        for r in rows
        for k in ("org_type", "nhs_trust_subtype", "organisation_name", "raw")
    ]
    texts.append(report.get("recipients_raw") or "")
    return [t for t in texts if t]


def read_report_texts(
    db: sqlite_utils.Database, progress: bool = False
) -> tuple[list[ReportText], dict[str, FallbackInput]]:
    """Return reports with text to score, and the categories and recipients of the rest."""
    inputs, ages = read_inputs(db), stated_ages(db)
    rows = list(
        db.query("SELECT id, categories, recipients_raw, page_text FROM reports ORDER BY id")
    )
    texts: list[ReportText] = []
    fallback: dict[str, FallbackInput] = {}
    for report in track(rows, description="themes", disable=not progress):
        text = report_text(report, inputs, ages.get(report["id"], ""))
        if text.has_text:
            texts.append(text)
            continue
        cats = parse_categories(db, report["id"], report["categories"], record=False)
        fallback[report["id"]] = (
            cats or [],
            recipient_texts(report, inputs["recipients"].get(report["id"], [])),
        )
    return texts, fallback


def theme_rows(taxonomy: Taxonomy, version: str, report: ReportText, scores: ReportScores):
    """Yield (concern_theme rows, report_theme rows) for one scored report."""
    concern_rows, report_rows = [], []
    for i, (concern_id, _) in enumerate(report.items):
        if concern_id is None:
            continue
        for j in np.flatnonzero(scores.items[i] >= ASSIGN):
            concern_rows.append(
                {
                    "concern_id": concern_id,
                    "theme_id": taxonomy.ids[j],
                    "score": round(float(scores.items[i, j]), 4),
                    "model_version": version,
                }
            )
    for j in np.flatnonzero(scores.report >= ASSIGN):
        report_rows.append(
            {
                "report_id": report.report_id,
                "theme_id": taxonomy.ids[j],
                "score": round(float(scores.report[j]), 4),
                "n_concerns": int(scores.n_concerns[j]),
                "source": "text",
                "model_version": version,
            }
        )
    return concern_rows, report_rows


def write_theme_rows(
    db: sqlite_utils.Database,
    taxonomy: Taxonomy,
    version: str,
    reports: list[ReportText],
    scored: list[ReportScores],
    fallback: dict[str, dict[str, float]],
    fallback_version: str,
) -> dict[str, int]:
    """Replace concern_themes and report_themes with this run's rows, in one transaction."""
    concern_rows, report_rows = [], []
    for report, scores in zip(reports, scored, strict=True):
        c_rows, r_rows = theme_rows(taxonomy, version, report, scores)
        concern_rows.extend(c_rows)
        report_rows.extend(r_rows)
    for report_id, themes in fallback.items():
        report_rows.extend(
            {
                "report_id": report_id,
                "theme_id": tid,
                "score": score,
                "n_concerns": 0,
                "source": "fallback",
                "model_version": fallback_version,
            }
            for tid, score in themes.items()
        )
    with db.conn:
        db.execute("DELETE FROM concern_themes")
        db.execute("DELETE FROM report_themes")
        db["concern_themes"].insert_all(concern_rows, batch_size=2000)
        db["report_themes"].insert_all(report_rows, batch_size=2000)
    themed = {r["report_id"] for r in report_rows}
    return {
        "concern_themes": len(concern_rows),
        "report_themes": len(report_rows),
        "reports_themed": len(themed),
        "reports_unthemed": len(reports) + len(fallback) - len(themed),
    }
