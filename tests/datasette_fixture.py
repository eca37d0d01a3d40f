"""A small published store, written row by row, for the Datasette tests.

Fictional organisations and reports in the shapes the pipeline writes. One mental health trust
merged into another in 2020, so its reports count under both; one report has no date (status
unknown); one was removed from the site.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import sqlite_utils

from tracker.db import open_db
from tracker.status import rebuild_status

SITE = "https://www.judiciary.uk"
AS_OF = date(2024, 6, 30)  # the fixture's `pdt analyse` date

ORGANISATIONS = [
    # id, name, org_type, subtype, successor, merged_on
    (
        "rx1",
        "Northshire Partnership NHS Foundation Trust",
        "nhs_trust",
        "mental_health",
        "rx2",
        "2020-04-01",
    ),
    (
        "rx2",
        "Northshire and Vale Mental Health NHS Foundation Trust",
        "nhs_trust",
        "mental_health",
        None,
        None,
    ),
    ("ra1", "Western Counties Ambulance Service NHS Trust", "nhs_trust", "ambulance", None, None),
    ("rh1", "St Elsewhere Hospitals NHS Trust", "nhs_trust", "acute", None, None),
    ("la1", "Borsetshire County Council", "local_authority", None, None, None),
    ("nb1", "Department of Health and Social Care", "national_body", None, None, None),
]

REPORTS = [
    # id, ref, date_of_report, deceased, area, categories, removed_at
    (
        "anna-smith",
        "2019-0001",
        "2019-03-01",
        "Anna Smith",
        "Northshire",
        ["Mental Health related deaths", "Suicide (from 2015)"],
        None,
    ),
    (
        "brian-jones",
        "2021-0101",
        "2021-06-15",
        "Brian Jones",
        "Vale",
        ["Emergency services related deaths (2019 onwards)"],
        None,
    ),
    (
        "carol-white",
        "2022-0300",
        "2022-11-01",
        "Carol White",
        "Borsetshire",
        ["Hospital Death (Clinical Procedures and medical management) related deaths"],
        None,
    ),
    (
        "david-green",
        "2023-0050",
        "2023-05-02",
        "David Green",
        "Borsetshire",
        ["Road (Highways Safety) related deaths"],
        None,
    ),
    (
        "edith-brown",
        "2023-0051",
        "2023-06-20",
        "Edith Brown",
        "Northshire",
        ["Other related deaths"],
        "2024-01-10",
    ),
    ("frank-black", None, None, "Frank Black", "Vale", ["Mental Health related deaths"], None),
    ("george-hall", "2019-0004", "2019-10-01", "George Hall", "Northshire", [], None),
]

RECIPIENTS = [
    # report, position, organisation id (or None), name when unmatched
    ("anna-smith", 1, "rx1", None),
    ("anna-smith", 2, "nb1", None),
    ("brian-jones", 1, "rx2", None),
    ("brian-jones", 2, "ra1", None),
    ("carol-white", 1, "rh1", None),
    ("david-green", 1, "la1", None),
    ("david-green", 2, "ra1", None),
    ("edith-brown", 1, "rx2", None),
    ("frank-black", 1, "rx2", None),
    ("frank-black", 2, None, "Vale Community Forum"),
    ("george-hall", 1, "rx1", None),
]

# report, recipient position, uploaded (YYYY/MM), letter date, organisation, text
RESPONSES = [
    (
        "anna-smith",
        1,
        "2019/05",
        "2019-04-10",
        "Northshire Partnership NHS Foundation Trust",
        "We have removed ligature anchor points from all inpatient wards and retrained staff.",
    ),
    (
        "brian-jones",
        2,
        "2021/09",
        "2021-08-30",
        "Western Counties Ambulance Service NHS Trust",
        "Call handlers now escalate category two calls after thirty minutes of waiting.",
    ),
    (
        "carol-white",
        1,
        "2023/03",
        None,
        "St Elsewhere Hospitals NHS Trust",
        "Sepsis screening is audited monthly on every surgical ward.",
    ),
]

SECTIONS = {
    "anna-smith": {
        "circumstances": "Anna died on an inpatient ward after using a ligature point.",
        "concerns": "Ligature risks on the ward were not assessed. Observations were missed.",
    },
    "brian-jones": {
        "circumstances": "Brian waited four hours for an ambulance after a fall.",
        "concerns": "Ambulance delays in rural areas; no welfare calls while waiting.",
    },
    "carol-white": {
        "circumstances": "Carol developed sepsis after routine surgery.",
        "concerns": "Sepsis screening tools were not used on the surgical ward.",
    },
    "david-green": {
        "concerns": "The junction had poor visibility and no warning signs.",
    },
}

THEMES = [
    ("ligature", "Ligature risks", ["anna-smith"]),
    ("observations", "Missed observations", ["anna-smith", "frank-black"]),
    ("ambulance_delay", "Ambulance delays", ["brian-jones", "david-green"]),
    ("sepsis", "Sepsis recognition", ["carol-white"]),
    ("road_design", "Road design", ["david-green"]),
]

AUDIT = [
    ("anna-smith", ["Mental Health related deaths", "Suicide (from 2015)"], ["Suicide"], "ok"),
    (
        "brian-jones",
        ["Emergency services related deaths (2019 onwards)"],
        ["Emergency services"],
        "ok",
    ),
    ("edith-brown", ["Other related deaths"], ["Mental Health"], "other_but_predicted"),
]


def recipient_id(report_id: str, position: int) -> str:
    """Return the fixture's id for a recipient."""
    return f"{report_id}#{position}"


def due_date(date_of_report: str | None) -> str | None:
    """Return the 56-day due date of a report."""
    if date_of_report is None:
        return None
    return (date.fromisoformat(date_of_report) + timedelta(days=56)).isoformat()


def insert_organisations(db: sqlite_utils.Database) -> None:
    """Write the organisation register."""
    for oid, name, org_type, subtype, successor, merged_on in ORGANISATIONS:
        db["organisations"].insert(
            {
                "id": oid,
                "name": name,
                "org_type": org_type,
                "nhs_trust_subtype": subtype,
                "successor_id": successor,
                "merged_on": merged_on,
                "country": "England",
                "ods_code": oid.upper(),
                "source": "fixture",
            }
        )


def insert_reports(db: sqlite_utils.Database) -> None:
    """Write reports, their report PDFs and their sections."""
    for rid, ref, dated, deceased, area, categories, removed in REPORTS:
        year, month = (dated or "2023-01-01")[:4], (dated or "2023-01-01")[5:7]
        db["reports"].insert(
            {
                "id": rid,
                "url": f"{SITE}/prevention-of-future-death-reports/{rid}/",
                "generation": "current",
                "title": f"{deceased}: Prevention of future deaths report",
                "ref": ref,
                "date_of_report": dated,
                "deceased_name": deceased,
                "coroner_name": "A Coroner",
                "coroner_area": area,
                "categories": json.dumps(categories),
                "source": "html",
                "removed_at": removed,
                "recipients_raw": "; ".join(_recipient_names(rid)),
            }
        )
        db["documents"].insert(
            {
                "id": f"{rid}/report",
                "report_id": rid,
                "kind": "report",
                "position": 0,
                "url": f"{SITE}/wp-content/uploads/{year}/{month}/{rid}-Prevention-of-future-"
                "deaths-report.pdf",
            }
        )
        for name, text in SECTIONS.get(rid, {}).items():
            db["sections"].insert({"report_id": rid, "name": name, "text": text, "source": "pdf"})


def _recipient_names(report_id: str) -> list[str]:
    names = {oid: name for oid, name, *_ in ORGANISATIONS}
    return [names.get(oid) or raw for rid, _, oid, raw in RECIPIENTS if rid == report_id]


def insert_recipients(db: sqlite_utils.Database) -> None:
    """Write each report's recipients, typed as the register says."""
    orgs = {row[0]: row for row in ORGANISATIONS}
    dates = {row[0]: row[2] for row in REPORTS}
    for rid, position, oid, raw in RECIPIENTS:
        org = orgs.get(oid)
        db["recipients"].insert(
            {
                "id": recipient_id(rid, position),
                "report_id": rid,
                "position": position,
                "raw": org[1] if org else raw,
                "org_text": org[1] if org else raw,
                "organisation_id": oid,
                "organisation_name": org[1] if org else raw,
                "org_type": org[2] if org else None,
                "nhs_trust_subtype": org[3] if org else None,
                "match_method": "exact" if org else "none",
                "match_score": 1.0 if org else 0.0,
                "source": "html",
                "due_date": due_date(dates[rid]),
            }
        )


def insert_responses(db: sqlite_utils.Database) -> None:
    """Write response PDFs, their letters' text and their matches to recipients."""
    for n, (rid, position, uploaded, dated, org, text) in enumerate(RESPONSES):
        doc_id = f"{rid}/response-{n}"
        db["documents"].insert(
            {
                "id": doc_id,
                "report_id": rid,
                "kind": "response",
                "position": n + 1,
                "url": f"{SITE}/wp-content/uploads/{uploaded}/{rid}-Response-from-trust.pdf",
            }
        )
        db["response_details"].insert(
            {
                "document_id": doc_id,
                "report_id": rid,
                "response_date": dated,
                "organisation": org,
                "text": text,
                "source": "pdf",
            }
        )
        db["responses"].insert(
            {
                "document_id": doc_id,
                "recipient_id": recipient_id(rid, position),
                "report_id": rid,
                "method": "name",
                "score": 0.95,
            }
        )


def insert_themes(db: sqlite_utils.Database) -> None:
    """Write themes, report themes and the category audit."""
    for tid, label, reports in THEMES:
        db["themes"].insert({"id": tid, "label": label, "description": f"Concerns about {label}"})
        for rid in reports:
            db["report_themes"].insert(
                {
                    "report_id": rid,
                    "theme_id": tid,
                    "score": 0.8,
                    "n_concerns": 1,
                    "source": "text",
                    "model_version": "fixture",
                }
            )
    for rid, site, predicted, flag in AUDIT:
        db["category_audit"].insert(
            {
                "report_id": rid,
                "site_categories": json.dumps(site),
                "predicted": json.dumps(predicted),
                "flag": flag,
                "score": 0.7,
                "source": "model",
                "model_version": "fixture",
            }
        )


def insert_gaps(db: sqlite_utils.Database) -> None:
    """Write two years of the ref-gap analysis."""
    db["ref_gap_years"].insert_all(
        [
            {
                "year": 2019,
                "max_number": 4,
                "present": 2,
                "gaps": 2,
                "never_seen": 1,
                "removed": 1,
                "malformed_only": 0,
                "variant_refs": 0,
                "malformed_refs": 0,
                "shared_refs": 0,
            },
            {
                "year": 2023,
                "max_number": 51,
                "present": 50,
                "gaps": 1,
                "never_seen": 0,
                "removed": 1,
                "malformed_only": 0,
                "variant_refs": 1,
                "malformed_refs": 0,
                "shared_refs": 0,
            },
        ]
    )
    db["ref_gaps"].insert_all(
        [
            {"year": 2019, "number": 2, "ref": "2019-0002", "cause": "never_seen"},
            {
                "year": 2019,
                "number": 3,
                "ref": "2019-0003",
                "cause": "removed",
                "report_ids": json.dumps(["old-report"]),
            },
            {
                "year": 2023,
                "number": 51,
                "ref": "2023-0051",
                "cause": "removed",
                "report_ids": json.dumps(["edith-brown"]),
            },
        ]
    )


def insert_foi(db: sqlite_utils.Database) -> None:
    """Write one FOI list from the merged mental health trust, reconciled."""
    db["foi_lists"].insert(
        {
            "id": "foi1",
            "organisation": "Northshire and Vale Mental Health NHS Foundation Trust",
            "organisation_id": "rx2",
            "organisation_match": "exact",
            "file_name": "foi.xlsx",
            "entries": 2,
            "matched": 1,
            "missing_from_site": 1,
            "not_located": 1,
        }
    )
    db["foi_entries"].insert_all(
        [
            {
                "id": "foi1-1",
                "list_id": "foi1",
                "row_number": 1,
                "deceased_name": "B Jones",
                "date": "2021-06-15",
                "ref": "2021-0101",
            },
            {
                "id": "foi1-2",
                "list_id": "foi1",
                "row_number": 2,
                "deceased_name": "G Grey",
                "date": "2022-02-02",
            },
        ]
    )
    db["foi_results"].insert_all(
        [
            {
                "list_id": "foi1",
                "kind": "matched",
                "entry_id": "foi1-1",
                "report_id": "brian-jones",
                "method": "ref_name",
                "score": 1.0,
            },
            {
                "list_id": "foi1",
                "kind": "missing_from_site",
                "entry_id": "foi1-2",
                "report_id": "",
                "method": "none",
                "score": 0.0,
            },
            {
                "list_id": "foi1",
                "kind": "not_located",
                "entry_id": "",
                "report_id": "frank-black",
                "method": "recipient",
                "score": 1.0,
            },
        ]
    )


def build_fixture_db(path: Path, as_of: date = AS_OF) -> Path:
    """Write the fixture store at `path` and return it, checkpointed for immutable serving."""
    db = open_db(path)
    insert_organisations(db)
    insert_reports(db)
    insert_recipients(db)
    insert_responses(db)
    insert_themes(db)
    insert_gaps(db)
    insert_foi(db)
    rebuild_status(db, as_of)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path
