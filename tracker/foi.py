"""FOI reconciliation: an organisation's own list of the reports it received, against the site.

`pdt foi import FILE --organisation NAME` loads a CSV or XLSX, matches each row to a published
report, and stores three lists in `foi_results`: matched; held by the organisation but not on
the website (missing_from_site); and published to the organisation but absent from its list
(not_located). `pdt analyse` reconciles every stored list again, as the store grows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils
from rapidfuzz import fuzz, process

from tracker.db import now_iso
from tracker.foi_match import (
    Candidate,
    Entry,
    ReportIndex,
    find_columns,
    header_key,
    match_entry,
    name_tokens,
    read_entry,
)
from tracker.importer import add_error_once
from tracker.models import stable_id
from tracker.normalise import iso_date, parse_date
from tracker.status import split_sent_to

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 15


@dataclass(slots=True)
class Sheet:
    """The rows of one table in a file, with its header row found."""

    name: str
    headers: list[object]
    rows: list[list[object]]
    columns: dict[str, int]
    first_row_number: int


def read_table_rows(path: Path) -> dict[str, list[list[object]]]:
    """Return each sheet's rows (one 'csv' sheet for a CSV file)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}
        finally:
            book.close()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return {"csv": [list(r) for r in csv.reader(io.StringIO(text), dialect)]}


def find_sheet(tables: dict[str, list[list[object]]]) -> Sheet:
    """Pick the sheet and header row that name the most fields (name, date, ref)."""
    best: tuple[int, Sheet] | None = None
    for name, rows in tables.items():
        for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            columns = find_columns(list(row))
            useful = len(set(columns) & {"name", "surname", "ref", "date"})
            if useful and (best is None or useful > best[0]):
                best = (useful, Sheet(name, list(row), rows[i + 1 :], columns, i + 2))
    if best is None:
        seen = [header_key(h) for rows in tables.values() for h in (rows[0] if rows else [])]
        raise ValueError(f"no column of names, dates or refs found; first row: {seen}")
    return best[1]


def read_entries(sheet: Sheet) -> list[Entry]:
    """Read the sheet's rows that name a person, a date or a ref."""
    entries = []
    for offset, row in enumerate(sheet.rows):
        if not any(v not in (None, "") for v in row):
            continue
        entry = read_entry(sheet.first_row_number + offset, sheet.headers, row, sheet.columns)
        if entry.name or entry.ref or entry.date:
            entries.append(entry)
    return entries


# --- the organisation and the reports published to it --------------------------------------


def resolve_organisation(db: sqlite_utils.Database, name: str) -> tuple[str | None, str]:
    """Find the organisation in the register: exact name, alias, then fuzzy (>= 92)."""
    key = header_key(name)
    names = {r["id"]: r["name"] or "" for r in db.query("SELECT id, name FROM organisations")}
    for org_id, org_name in names.items():
        if header_key(org_name) == key:
            return org_id, "exact"
    for row in db.query("SELECT alias, organisation_id FROM organisation_aliases"):
        if header_key(row["alias"]) == key:
            return row["organisation_id"], "alias"
    keyed = {org_id: header_key(n) for org_id, n in names.items()}
    best = process.extractOne(key, keyed, scorer=fuzz.token_sort_ratio, score_cutoff=92)
    return (best[2], "fuzzy") if best else (None, "none")


def _names_match(wanted: str, text: str) -> bool:
    """Return whether a recipient's name is the organisation asked about."""
    a, b = header_key(wanted), header_key(text)
    if not a or not b:
        return False
    if fuzz.ratio(a, b) >= 95:
        return True
    return min(len(a.split()), len(b.split())) >= 2 and fuzz.token_set_ratio(a, b) >= 95


def reports_sent_to(db: sqlite_utils.Database, org_id: str | None, name: str) -> dict[str, str]:
    """Return report ids published to the organisation (or a predecessor), with how we know.

    The register's matches come first; then recipients left unmatched, an export's "Sent to"
    list, and, for reports whose recipients are not split yet, the page's recipient text.
    """
    found: dict[str, str] = {}
    if org_id:
        sql = (
            "SELECT r.report_id, l.depth FROM recipients r JOIN organisation_lineage l "
            "ON l.organisation_id = r.organisation_id WHERE l.counted_as_id = ?"
        )
        for row in db.query(sql, [org_id]):
            found.setdefault(row["report_id"], "recipient" if not row["depth"] else "predecessor")
    sql = (
        "SELECT report_id, COALESCE(organisation_name, org_text, raw) AS name FROM recipients "
        "WHERE COALESCE(organisation_id, '') = ''"
    )
    for row in db.query(sql):
        if _names_match(name, row["name"] or ""):
            found.setdefault(row["report_id"], "recipient_text")
    sql = "SELECT report_id, sent_to FROM imported_reports WHERE format = 'status'"
    for row in db.query(sql):
        if any(_names_match(name, part) for part in split_sent_to(row["sent_to"])):
            found.setdefault(row["report_id"], "imported_sent_to")
    for report_id in _named_in_recipient_text(db, name):
        found.setdefault(report_id, "recipients_raw_text")
    return found


def _named_in_recipient_text(db: sqlite_utils.Database, name: str) -> list[str]:
    """Return reports without split recipients whose recipient text names the organisation."""
    key = header_key(name)
    if len(key) < 10:
        return []  # too short to find safely inside free text
    sql = (
        "SELECT id, recipients_raw FROM reports WHERE COALESCE(recipients_raw, '') != '' "
        "AND id NOT IN (SELECT report_id FROM recipients) "
        "AND id NOT IN (SELECT report_id FROM imported_reports WHERE format = 'status')"
    )
    return [
        row["id"]
        for row in db.query(sql)
        if fuzz.partial_ratio(key, header_key(row["recipients_raw"])) >= 95
    ]


def load_candidates(db: sqlite_utils.Database, sent_to: dict[str, str]) -> list[Candidate]:
    """Return every report as a match candidate."""
    sql = "SELECT id, ref, deceased_name, date_of_report, date_of_report_raw FROM reports"
    return [
        Candidate(
            report_id=r["id"],
            ref=r["ref"],
            name=r["deceased_name"] or "",
            date=iso_date(r["date_of_report"]) or iso_date(parse_date(r["date_of_report_raw"])),
            sent_to_organisation=r["id"] in sent_to,
        )
        for r in db.query(sql)
    ]


# --- storing and reconciling ---------------------------------------------------------------


def _entry_row(list_id: str, entry: Entry) -> dict[str, Any]:
    return {
        "id": stable_id(list_id, str(entry.row_number)),
        "list_id": list_id,
        "row_number": entry.row_number,
        "deceased_name": entry.name,
        "name_key": " ".join(name_tokens(entry.name)),
        "date_raw": entry.date_raw,
        "date": entry.date,
        "ref_raw": entry.ref_raw,
        "ref": entry.ref,
        "raw": json.dumps(entry.raw, ensure_ascii=False, default=str),
    }


def _stored_entries(db: sqlite_utils.Database, list_id: str) -> list[tuple[str, Entry]]:
    rows = db["foi_entries"].rows_where("list_id = ?", [list_id], order_by="row_number")
    return [
        (
            r["id"],
            Entry(
                r["row_number"],
                r["deceased_name"] or "",
                r["date_raw"] or "",
                r["date"],
                r["ref_raw"] or "",
                r["ref"],
            ),
        )
        for r in rows
    ]


def _in_window(day: date | None, start: str | None, end: str | None) -> bool:
    if not start and not end:
        return True
    if day is None:
        return False
    return (not start or day.isoformat() >= start) and (not end or day.isoformat() <= end)


def match_entries(
    list_id: str, entries: list[tuple[str, Entry]], index: ReportIndex
) -> list[dict[str, Any]]:
    """Return a matched or missing_from_site result for each entry of a list."""
    results = []
    for entry_id, entry in entries:
        match = match_entry(entry, index)
        if match is None:
            results.append(_result(list_id, "missing_from_site", entry_id, ""))
            continue
        score = round(match.score / 100, 3)  # stored 0 to 1, like every match score
        results.append(
            _result(
                list_id, "matched", entry_id, match.report_id, match.method, score, match.detail
            )
        )
    return results


def reconcile_list(db: sqlite_utils.Database, list_id: str) -> dict[str, int]:
    """Match a stored list to the reports and store the three lists; return their sizes."""
    info = db["foi_lists"].get(list_id)
    org_id, how = resolve_organisation(db, info["organisation"])
    sent = reports_sent_to(db, org_id, info["organisation"])
    candidates = load_candidates(db, sent)
    results = match_entries(list_id, _stored_entries(db, list_id), ReportIndex.build(candidates))
    located = {r["report_id"] for r in results}
    dates = {c.report_id: c.date for c in candidates}
    for report_id, basis in sorted(sent.items()):
        in_window = _in_window(dates.get(report_id), info["date_from"], info["date_to"])
        if report_id not in located and in_window:
            results.append(_result(list_id, "not_located", "", report_id, basis))
    kinds = ("matched", "missing_from_site", "not_located")
    figures = {k: sum(r["kind"] == k for r in results) for k in kinds}
    with db.conn:
        db.execute("DELETE FROM foi_results WHERE list_id = ?", [list_id])
        db["foi_results"].insert_all(results)
        db["foi_lists"].update(
            list_id, {**figures, "organisation_id": org_id, "organisation_match": how}
        )
    return figures


def _result(
    list_id: str,
    kind: str,
    entry_id: str,
    report_id: str,
    method: str = "",
    score: float | None = None,
    detail: str = "",
) -> dict[str, Any]:
    return {
        "list_id": list_id,
        "kind": kind,
        "entry_id": entry_id,
        "report_id": report_id,
        "method": method,
        "score": score,
        "detail": detail,
    }


def _list_row(
    db: sqlite_utils.Database,
    list_id: str,
    organisation: str,
    path: Path,
    sha256: str,
    sheet: Sheet,
    entries: list[Entry],
    window: tuple[str | None, str | None],
) -> dict[str, Any]:
    """Return the foi_lists row; the window defaults to the span of the list's own dates."""
    dates = sorted(e.date for e in entries if e.date)
    old = db["foi_lists"].get(list_id) if db["foi_lists"].count_where("id = ?", [list_id]) else {}
    return {
        "id": list_id,
        "organisation": organisation.strip(),
        "file_name": path.name,
        "sha256": sha256,
        "sheet": sheet.name,
        "columns": json.dumps({k: str(sheet.headers[i]) for k, i in sheet.columns.items()}),
        "entries": len(entries),
        "date_from": window[0] or (dates[0] if dates else None),
        "date_to": window[1] or (dates[-1] if dates else None),
        "imported_at": old.get("imported_at") or now_iso(),
    }


def import_foi(
    db: sqlite_utils.Database,
    path: Path,
    organisation: str,
    date_from: str | None = None,
    date_to: str | None = None,
) -> dict[str, Any]:
    """Load an organisation's list (CSV or XLSX), store it, and reconcile it with the site."""
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    sheet = find_sheet(read_table_rows(path))
    entries = read_entries(sheet)
    list_id = stable_id(organisation.strip().casefold(), sha256)
    row = _list_row(db, list_id, organisation, path, sha256, sheet, entries, (date_from, date_to))
    with db.conn:
        db["foi_lists"].upsert(row, pk="id")
        db.execute("DELETE FROM foi_entries WHERE list_id = ?", [list_id])
        db["foi_entries"].insert_all([_entry_row(list_id, e) for e in entries])
    unreadable = [e for e in entries if e.date_raw and not e.date]
    for entry in unreadable:
        message = f"row {entry.row_number}: unreadable date {entry.date_raw!r}"
        add_error_once(db, "foi", "bad_date", path.name, message)
    return {
        "list": list_id,
        "sheet": sheet.name,
        "entries": len(entries),
        "unreadable_dates": len(unreadable),
        "window": f"{row['date_from']}..{row['date_to']}",
        **reconcile_list(db, list_id),
    }


def reconcile_all(db: sqlite_utils.Database) -> dict[str, int]:
    """Reconcile every stored FOI list again; return the summed sizes."""
    totals = {"foi_lists": 0, "foi_matched": 0, "foi_missing_from_site": 0, "foi_not_located": 0}
    for row in db.query("SELECT id FROM foi_lists ORDER BY id"):
        figures = reconcile_list(db, row["id"])
        totals["foi_lists"] += 1
        for key, value in figures.items():
            totals[f"foi_{key}"] += value
    return totals


def list_fois(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Return the stored FOI lists with their reconciliation figures."""
    sql = (
        "SELECT id, organisation, organisation_match, file_name, entries, date_from, date_to, "
        "matched, missing_from_site, not_located FROM foi_lists ORDER BY organisation, file_name"
    )
    return list(db.query(sql))
