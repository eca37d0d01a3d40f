"""A small invented store for the export tests: trusts (one merged), reports, statuses, themes.

Names, places and people are made up. The figures each test expects are worked out by hand
from the rows below.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlite_utils

AS_OF = date(2024, 12, 1)

ORGANISATIONS = [
    # id, name, org_type, subtype, successor, merged_on
    ("mh1", "Leafshire Partnership NHS Trust", "mental_health_and_community", None, None),
    ("mh2", "Northvale Healthcare NHS Foundation Trust", "mental_health", None, None),
    ("mh_old", "Old Fen Mental Health NHS Trust", "mental_health", "mh3", "2020-04-01"),
    ("mh3", "Fenland and Marsh NHS Foundation Trust", "mental_health", None, None),
    ("amb1", "Coastal Ambulance Service NHS Trust", "ambulance", None, None),
    ("amb2", "Moorland Ambulance Service NHS Trust", "ambulance", None, None),
    ("acute1", "Riverside Hospitals NHS Foundation Trust", "acute", None, None),
    ("dhsc", "Department of Health and Social Care", None, None, None),
]

REPORTS = [
    # id, ref, date, area, recipients [(org, status)], themes
    ("r1", "2019-0101", "2019-03-01", "Northshire", [("mh1", "R"), ("dhsc", "R")], ["staffing"]),
    ("r2", "2019-0150", "2019-06-10", "Northshire", [("mh_old", "O")], ["medication"]),
    (
        "r3",
        "2020-0010",
        "2020-01-15",
        "Southvale",
        [("mh2", "O"), ("amb1", "R")],
        ["medication", "staffing"],
    ),
    ("r4", "2021-0200", "2021-05-05", "Southvale", [("mh3", "R")], ["observation"]),
    ("r5", "2022-0300", "2022-09-09", "Eastmere", [("amb1", "O"), ("amb2", "O")], ["medication"]),
    ("r6", "2023-0400", "2023-02-02", "Eastmere", [("mh1", "R"), ("acute1", "R")], []),
    ("r7", "2024-0500", "2024-10-20", "Northshire", [("mh1", "P")], []),
    ("r8", "2024-0501", "2024-03-03", "Westford", [("mh2", "O"), ("amb2", "R")], ["medication"]),
    ("r9", "2018-0050", "2018-05-05", "Westford", [("acute1", "R")], []),
    ("r10", None, None, "Westford", [("mh1", "U")], []),
]
# A report known only from an imported export: its recipient is a name, matched at export time.
IMPORTED = ("r11", "2022-0700", "2022-07-07", "Northshire", "mh2")

STATUS = {"R": "responded", "O": "overdue", "P": "pending", "U": "unknown"}

THEMES = [
    ("medication", "Medication safety"),
    ("staffing", "Staffing and workforce"),
    ("observation", "Observations and risk assessment"),
]

GAPS = [(2019, "2019-0120"), (2019, "2019-0121"), (2021, "2021-0199"), (2012, "2012-0001")]


def org_row(org: tuple) -> dict:
    """Return an organisations row."""
    oid, name, subtype, successor, merged_on = org
    return {
        "id": oid,
        "name": name,
        "org_type": "nhs_trust" if subtype else "national_body",
        "nhs_trust_subtype": subtype,
        "successor_id": successor,
        "merged_on": merged_on,
    }


def due_of(when: str | None) -> date | None:
    """Return the 56-day due date of a report date."""
    return date.fromisoformat(when) + timedelta(days=56) if when else None


def status_row(rec_id: str, report_id: str, when: str | None, code: str, org: dict) -> dict:
    """Return a recipient_status row as `pdt analyse` writes it, as of AS_OF."""
    due = due_of(when)
    return {
        "id": rec_id,
        "report_id": report_id,
        "recipient_id": rec_id,
        "recipient_source": "import" if rec_id.startswith("import:") else "recipients",
        "recipient": org["name"],
        "organisation_id": None if rec_id.startswith("import:") else org["id"],
        "organisation_name": org["name"],
        "org_type": org["org_type"],
        "nhs_trust_subtype": org["nhs_trust_subtype"],
        "date_of_report": when,
        "due_date": due.isoformat() if due else None,
        "status": STATUS[code],
        "days_overdue": (AS_OF - due).days if code == "O" and due else None,
        "as_of": AS_OF.isoformat(),
    }


def report_row(rid: str, ref: str | None, when: str | None, area: str, source: str) -> dict:
    """Return a reports row."""
    return {
        "id": rid,
        "url": f"https://example.org/pfd/{rid}/",
        "ref": ref,
        "date_of_report": when,
        "coroner_area": area,
        "deceased_name": f"Person {rid.upper()}",
        "source": source,
    }


def insert_recipient(db: sqlite_utils.Database, rid: str, position: int, org: dict, code: str):
    """Insert a recipient, and a matched response document when it responded."""
    rec_id = f"{rid}-{position}"
    db["recipients"].insert(
        {
            "id": rec_id,
            "report_id": rid,
            "position": position,
            "raw": org["name"],
            "organisation_id": org["id"],
            "organisation_name": org["name"],
            "org_type": org["org_type"],
            "nhs_trust_subtype": org["nhs_trust_subtype"],
        }
    )
    if code == "R":
        doc = f"{rec_id}-response"
        db["documents"].insert(
            {
                "id": doc,
                "report_id": rid,
                "url": f"https://example.org/{doc}.pdf",
                "kind": "response",
            }
        )
        db["responses"].insert({"document_id": doc, "recipient_id": rec_id, "report_id": rid})
    return rec_id


def insert_themes(db: sqlite_utils.Database, rid: str, themes: list[str]) -> None:
    """Insert a concern per theme, and the report's themes."""
    for position, theme in enumerate(themes):
        cid = f"{rid}-c{position}"
        text = f"Concern about {theme} in the care of {rid.upper()}: " + "details " * position
        db["concerns"].insert({"id": cid, "report_id": rid, "position": position, "text": text})
        db["concern_themes"].insert({"concern_id": cid, "theme_id": theme, "score": 0.9})
        db["report_themes"].insert({"report_id": rid, "theme_id": theme, "score": 0.9})


def report_status(when: str | None, codes: list[str]) -> str:
    """Return the report-level status the tracking stage gives these recipient statuses."""
    if all(c == "R" for c in codes):
        return "complete"
    if "R" in codes:
        return "partial"
    return STATUS[codes[0]]


def insert_report_status(db: sqlite_utils.Database, rid: str, when: str | None, codes) -> None:
    """Insert the report_status row of one report."""
    due = due_of(when)
    db["report_status"].insert(
        {
            "report_id": rid,
            "date_of_report": when,
            "recipients": len(codes),
            "due_date": due.isoformat() if due else None,
            "status": report_status(when, codes),
            "as_of": AS_OF.isoformat(),
        }
    )


def insert_report(db: sqlite_utils.Database, names: dict[str, dict], spec: tuple) -> None:
    """Insert one report with its recipients, statuses, concerns and themes."""
    rid, ref, when, area, recipients, themes = spec
    db["reports"].insert(report_row(rid, ref, when, area, "html"))
    for position, (org, code) in enumerate(recipients):
        rec_id = insert_recipient(db, rid, position, names[org], code)
        db["recipient_status"].insert(status_row(rec_id, rid, when, code, names[org]))
    insert_report_status(db, rid, when, [code for _org, code in recipients])
    insert_themes(db, rid, themes)


def insert_imported(db: sqlite_utils.Database, names: dict[str, dict]) -> None:
    """Insert the report known only from an export, with its one overdue request."""
    rid, ref, when, area, org = IMPORTED
    db["reports"].insert(report_row(rid, ref, when, area, "import"))
    db["imported_reports"].insert(
        {"report_id": rid, "format": "status", "sent_to": names[org]["name"], "replies_count": 0}
    )
    db["recipient_status"].insert(status_row(f"import:{rid}:1", rid, when, "O", names[org]))
    insert_report_status(db, rid, when, ["O"])


def insert_foi(db: sqlite_utils.Database) -> None:
    """Insert one FOI list from the Leafshire trust: two reports matched, one not on the site."""
    db["foi_lists"].insert(
        {
            "id": "foi1",
            "organisation": "Leafshire Partnership NHS Trust",
            "organisation_id": "mh1",
            "file_name": "leafshire_foi.xlsx",
            "entries": 3,
            "matched": 2,
            "missing_from_site": 1,
            "not_located": 0,
            "date_from": "2019-01-01",
            "date_to": "2023-12-31",
        }
    )
    entries = [
        ("e1", "Person R1", "2019-03-01"),
        ("e2", "Person R6", "2023-02-02"),
        ("e3", "Person Q", "2021-08-08"),
    ]
    for n, (eid, name, when) in enumerate(entries, start=1):
        db["foi_entries"].insert(
            {"id": eid, "list_id": "foi1", "row_number": n, "deceased_name": name, "date": when}
        )
    db["foi_results"].insert_all(
        [
            {"list_id": "foi1", "kind": "matched", "entry_id": "e1", "report_id": "r1"},
            {"list_id": "foi1", "kind": "matched", "entry_id": "e2", "report_id": "r6"},
            {"list_id": "foi1", "kind": "missing_from_site", "entry_id": "e3", "report_id": ""},
        ]
    )


def build_store(db: sqlite_utils.Database) -> sqlite_utils.Database:
    """Fill an empty store with the invented rows."""
    rows = [org_row(o) for o in ORGANISATIONS]
    db["organisations"].insert_all(rows)
    db["organisation_aliases"].insert({"alias": "LPT", "organisation_id": "mh1", "kind": "abbr"})
    db["themes"].insert_all([{"id": t, "label": label} for t, label in THEMES])
    names = {r["id"]: r for r in rows}
    for spec in REPORTS:
        insert_report(db, names, spec)
    insert_imported(db, names)
    insert_foi(db)
    db["ref_gaps"].insert_all(
        [{"year": y, "number": int(ref[5:]), "ref": ref, "cause": "never_seen"} for y, ref in GAPS]
    )
    return db
