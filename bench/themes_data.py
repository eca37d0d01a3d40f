"""Data loading for bench/themes.py: the shared labelled files, a store built from them, and
synthetic stores for timing. Reads ../shared/data only; writes nothing there."""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from nlp.concern_text import split_items
from nlp.theme_labels import url_key
from tracker.db import open_db

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TOOLKIT_TEXT_FILES = (
    "pfdtoolkit_road_traffic_themes.csv",
    "pfdtoolkit_suicide_family_themes.csv",
    "pfdtoolkit_safety_planning_themes.csv",
    "pfdtoolkit_child_suicide_consensus.csv",
)


def read_csv(name: str) -> Iterator[dict[str, str]]:
    """Yield the rows of a shared CSV file."""
    with (SHARED / name).open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def split_tags(value: str) -> list[str]:
    """Split a '|'-separated category cell."""
    return [t.strip() for t in (value or "").split("|") if t.strip()]


def iso_date(value: str) -> str | None:
    """Read dd/mm/yyyy, yyyy-mm-dd or a bare year (as mid-year) into ISO; else None."""
    value = (value or "").strip()
    if m := re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", value):
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    if m := re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    if m := re.search(r"\b(20\d\d)\b", value):
        return f"{m.group(1)}-06-30"
    return None


@dataclass(slots=True)
class AuditReport:
    """A report with site tags and whatever text the shared files hold for it."""

    key: str
    ref: str = ""
    date: str | None = None
    categories: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    research_tags: list[str] = field(default_factory=list)


def status_rows() -> dict[str, dict[str, str]]:
    """Return the 2025 status file by URL slug (categories, research tags, dates)."""
    return {url_key(r["URL"]): r for r in read_csv("pfd_reports_status_2025.csv") if r["URL"]}


def add_text(report: AuditReport, name: str, text: str) -> None:
    """Keep the longer text for a section."""
    text = (text or "").strip()
    if text and len(text) > len(report.sections.get(name, "")):
        report.sections[name] = text


def audit_reports() -> dict[str, AuditReport]:
    """Join every shared report that has text with its site tags (main scrape, 2025 status)."""
    status = status_rows()
    found: dict[str, AuditReport] = {}
    for r in read_csv("pfd_reports.csv"):
        rep = found.setdefault(url_key(r["report_url"]), AuditReport(url_key(r["report_url"])))
        rep.ref, rep.date, rep.categories = (
            r["ref"],
            iso_date(r["date_of_report"]),
            split_tags(r["category"]),
        )
        for name, col in (
            ("circumstances", "circumstances"),
            ("concerns", "concerns"),
            ("investigation", "inquest"),
        ):
            add_text(rep, name, r[col])
    for name in TOOLKIT_TEXT_FILES:
        for r in read_csv(name):
            rep = found.setdefault(url_key(r["url"]), AuditReport(url_key(r["url"])))
            rep.date = rep.date or iso_date(r.get("date", ""))
            for col in ("circumstances", "concerns", "investigation"):
                add_text(rep, col, r.get(col, ""))
    for key, rep in found.items():
        if key in status:
            row = status[key]
            rep.categories = rep.categories or split_tags(row["Category"])
            rep.research_tags = split_tags(row["Research tags"])
            rep.date = rep.date or iso_date(row["Date of report"])
    return found


def store_from(reports: dict[str, AuditReport]) -> sqlite_utils.Database:
    """Build an in-memory store holding these reports, their sections and concern items."""
    db = open_db(":memory:")
    db["reports"].insert_all(
        (
            {
                "id": r.key,
                "url": r.key,
                "ref": r.ref,
                "date_of_report": r.date,
                "categories": json.dumps(r.categories),
            }
            for r in reports.values()
        ),
        batch_size=1000,
    )
    db["sections"].insert_all(
        (
            {"report_id": r.key, "name": n, "text": t, "source": "bench"}
            for r in reports.values()
            for n, t in r.sections.items()
        ),
        batch_size=1000,
    )
    db["concerns"].insert_all(
        (
            {"id": f"{r.key}#{i}", "report_id": r.key, "position": i, "text": item}
            for r in reports.values()
            for i, item in enumerate(split_items(r.sections.get("concerns", "")))
        ),
        batch_size=1000,
    )
    return db


def synthetic_store(reports: list[AuditReport], n: int, seed: int) -> sqlite_utils.Database:
    """Build a store of n reports by resampling real sections (for timing only)."""
    rng = random.Random(seed)
    with_text = [
        r for r in reports if r.sections.get("concerns") or r.sections.get("circumstances")
    ]
    picked = {}
    for i in range(n):
        src = rng.choice(with_text)
        picked[f"synthetic-{i:05d}"] = AuditReport(
            f"synthetic-{i:05d}",
            date=src.date,
            categories=src.categories,
            sections=dict(src.sections),
        )
    return store_from(picked)
