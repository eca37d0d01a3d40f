"""Response status under the 56-day rule, per recipient and per report, as of a given day.

Regulation 29: every recipient must respond within 56 days of the date of the report, unless
the report states another deadline (section 7, "namely by ..."). Report-level statuses follow
the Preventable Deaths Tracker's categories so figures can be compared: complete (replies >=
recipients, or every recipient matched to a reply), partial (some replies), overdue (no reply,
deadline passed), pending (no reply, deadline not passed); plus no_recipients and unknown
(no readable date). A response counts whenever it was published: responses are never filtered
by when they or the report's page were first seen.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from tracker.normalise import iso_date, parse_date, parse_ref

log = logging.getLogger(__name__)

DUE_DAYS = 56
MAX_STATED_DAYS = 366  # a stated deadline further out than this is a typo, not an extension
REPORT_STATUSES = ("complete", "partial", "overdue", "pending", "no_recipients", "unknown")
RECIPIENT_STATUSES = ("responded", "overdue", "pending", "unknown")


@dataclass(slots=True)
class Due:
    """When responses to a report fall due, and why."""

    on: date | None
    basis: str  # stated_deadline | 56_days | none


@dataclass(slots=True)
class Outcome:
    """A status with the figures that explain it."""

    status: str
    basis: str
    days_overdue: int | None = None
    days_left: int | None = None


@dataclass(slots=True)
class RecipientInput:
    """One recipient of a report, from the recipients table or an imported export."""

    id: str
    source: str  # recipients | import
    position: int
    recipient: str
    organisation_id: str | None = None
    organisation_name: str = ""
    org_type: str | None = None
    nhs_trust_subtype: str | None = None
    documents: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ReportInput:
    """Everything the status of one report depends on."""

    id: str
    ref: str | None
    year: int | None
    coroner_area: str
    date_of_report: date | None
    stated_deadline: date | None
    recipients: list[RecipientInput] = field(default_factory=list)
    response_documents: set[str] = field(default_factory=set)
    attributed_documents: set[str] = field(default_factory=set)
    imported_replies: int = 0
    published_status: str | None = None


def statutory_due(date_of_report: date) -> date:
    """Return the date a response is due under Regulation 29: 56 days after the report."""
    return date_of_report + timedelta(days=DUE_DAYS)


def compute_due(date_of_report: date | None, stated: date | None) -> Due:
    """Return the due date: a plausible stated deadline, else the report's date + 56 days."""
    if stated and (
        date_of_report is None
        or date_of_report <= stated <= date_of_report + timedelta(days=MAX_STATED_DAYS)
    ):
        return Due(stated, "stated_deadline")
    if date_of_report is None:
        return Due(None, "none")
    return Due(statutory_due(date_of_report), "56_days")


def outcome_by_date(due: Due, as_of: date) -> Outcome:
    """Return overdue or pending for a request with no reply; due exactly today is pending."""
    if due.on is None:
        return Outcome("unknown", "no_date")
    if as_of > due.on:
        return Outcome("overdue", "date", days_overdue=(as_of - due.on).days)
    return Outcome("pending", "date", days_left=(due.on - as_of).days)


def recipient_outcome(report: ReportInput, recipient: RecipientInput, as_of: date) -> Outcome:
    """Return one recipient's status: matched reply, else replies nobody claimed, else the date."""
    due = compute_due(report.date_of_report, report.stated_deadline)
    if recipient.documents:
        return Outcome("responded", "matched")
    unmatched = sum(1 for r in report.recipients if not r.documents)
    spare = replies_of(report) - len(report.attributed_documents)
    if spare > 0 and spare >= unmatched:
        return Outcome("responded", "reply_count")
    by_date = outcome_by_date(due, as_of)
    if spare > 0 and by_date.status == "overdue":
        return Outcome("unknown", "unattributed_replies")
    return by_date


def replies_of(report: ReportInput) -> int:
    """Return the replies a report has: its response documents, or an export's count if more."""
    return max(len(report.response_documents), report.imported_replies)


def report_outcome(report: ReportInput, as_of: date) -> Outcome:
    """Return the report-level status in the Preventable Deaths Tracker's categories."""
    n = len(report.recipients)
    replies = replies_of(report)
    matched = sum(1 for r in report.recipients if r.documents)
    due = compute_due(report.date_of_report, report.stated_deadline)
    by_date = outcome_by_date(due, as_of)
    if n == 0:
        return Outcome("no_recipients", "no_recipients")
    if replies >= n or matched == n:
        return Outcome("complete", "matched" if matched == n else "reply_count")
    if replies > 0 or matched > 0:
        return Outcome("partial", "reply_count", days_overdue=by_date.days_overdue)
    return by_date


# --- reading the store ---------------------------------------------------------------------


def _report_date(row: dict[str, Any], year_hint: int | None) -> date | None:
    stored = iso_date(row["date_of_report"])
    if stored:
        return stored
    return iso_date(parse_date(row["date_of_report_raw"], year_hint=year_hint))


def load_reports(db: sqlite_utils.Database) -> dict[str, ReportInput]:
    """Read every report with the dates its status depends on."""
    reports: dict[str, ReportInput] = {}
    deadlines = {}
    if db["report_facts"].exists():
        deadlines = {
            r["report_id"]: iso_date(r["response_deadline"])
            for r in db.query("SELECT report_id, response_deadline FROM report_facts")
        }
    sql = "SELECT id, ref, ref_raw, date_of_report, date_of_report_raw, coroner_area FROM reports"
    for row in db.query(sql):
        ref = parse_ref(row["ref"] or row["ref_raw"])
        when = _report_date(row, ref.year)
        reports[row["id"]] = ReportInput(
            id=row["id"],
            ref=row["ref"] or ref.ref,
            year=when.year if when else ref.year,
            coroner_area=row["coroner_area"] or "",
            date_of_report=when,
            stated_deadline=deadlines.get(row["id"]),
        )
    return reports


RECIPIENTS_SQL = """
SELECT r.id, r.report_id, r.position, r.raw, r.org_text, r.organisation_id,
       COALESCE(o.name, r.organisation_name, r.org_text, r.raw) AS organisation_name,
       COALESCE(o.org_type, r.org_type) AS org_type,
       COALESCE(o.nhs_trust_subtype, r.nhs_trust_subtype) AS nhs_trust_subtype
FROM recipients r LEFT JOIN organisations o ON o.id = r.organisation_id
ORDER BY r.report_id, r.position
"""


def attach_recipients(db: sqlite_utils.Database, reports: dict[str, ReportInput]) -> None:
    """Attach each report's recipients from the recipients table."""
    for row in db.query(RECIPIENTS_SQL):
        report = reports.get(row["report_id"])
        if report is None:
            continue
        report.recipients.append(
            RecipientInput(
                id=row["id"],
                source="recipients",
                position=row["position"] or 0,
                recipient=row["raw"] or row["org_text"] or "",
                organisation_id=row["organisation_id"] or None,
                organisation_name=row["organisation_name"] or "",
                org_type=row["org_type"],
                nhs_trust_subtype=row["nhs_trust_subtype"],
            )
        )


def split_sent_to(text: str | None) -> list[str]:
    """Split an export's canonical recipient list ("A | B | C")."""
    return [part.strip() for part in (text or "").split("|") if part.strip()]


def attach_imported(db: sqlite_utils.Database, reports: dict[str, ReportInput]) -> None:
    """Attach reply counts and, where no recipients are known, recipients from exports."""
    sql = (
        "SELECT report_id, format, sent_to, replies_count, published_status "
        "FROM imported_reports ORDER BY report_id, format = 'status' DESC"
    )
    for row in db.query(sql):
        report = reports.get(row["report_id"])
        if report is None:
            continue
        report.imported_replies = max(report.imported_replies, row["replies_count"] or 0)
        if row["format"] == "status":
            report.published_status = report.published_status or row["published_status"]
        if report.recipients or row["format"] != "status":
            continue
        for n, name in enumerate(split_sent_to(row["sent_to"]), start=1):
            report.recipients.append(
                RecipientInput(f"import:{report.id}:{n}", "import", n, name, None, name)
            )


def attach_responses(db: sqlite_utils.Database, reports: dict[str, ReportInput]) -> None:
    """Attach response documents, and which recipient each was matched to."""
    for row in db.query("SELECT id, report_id FROM documents WHERE kind = 'response'"):
        if report := reports.get(row["report_id"]):
            report.response_documents.add(row["id"])
    by_recipient: dict[str, list[str]] = {}
    for row in db.query("SELECT document_id, recipient_id, report_id FROM responses"):
        report = reports.get(row["report_id"])
        if report is None:
            continue
        report.response_documents.add(row["document_id"])
        if row["recipient_id"]:
            report.attributed_documents.add(row["document_id"])
            by_recipient.setdefault(row["recipient_id"], []).append(row["document_id"])
    for report in reports.values():
        for recipient in report.recipients:
            recipient.documents = sorted(set(by_recipient.get(recipient.id, [])))


def load_inputs(db: sqlite_utils.Database) -> dict[str, ReportInput]:
    """Read everything status depends on, report by report."""
    reports = load_reports(db)
    attach_recipients(db, reports)
    attach_imported(db, reports)
    attach_responses(db, reports)
    return reports


# --- writing the derived tables ------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def recipient_rows(report: ReportInput, as_of: date) -> list[dict[str, Any]]:
    """Return the recipient_status rows of one report (one 'unknown' row if none is known)."""
    due = compute_due(report.date_of_report, report.stated_deadline)
    common = {
        "report_id": report.id,
        "coroner_area": report.coroner_area,
        "year": report.year,
        "date_of_report": _iso(report.date_of_report),
        "due_date": _iso(due.on),
        "due_basis": due.basis,
        "as_of": as_of.isoformat(),
    }
    if not report.recipients:
        documents = sorted(report.response_documents)
        return [
            {
                **common,
                "id": f"report:{report.id}",
                "recipient_id": "",
                "recipient_source": "none",
                "position": 0,
                "recipient": "",
                "status": "unknown",
                "status_basis": "no_recipients",
                "response_count": len(documents),
                "response_document_ids": json.dumps(documents),
            }
        ]
    return [_recipient_row(report, r, common, as_of) for r in report.recipients]


def _recipient_row(
    report: ReportInput, recipient: RecipientInput, common: dict[str, Any], as_of: date
) -> dict[str, Any]:
    outcome = recipient_outcome(report, recipient, as_of)
    return {
        **common,
        "id": recipient.id,
        "recipient_id": recipient.id,
        "recipient_source": recipient.source,
        "position": recipient.position,
        "recipient": recipient.recipient,
        "organisation_id": recipient.organisation_id,
        "organisation_name": recipient.organisation_name,
        "org_type": recipient.org_type,
        "nhs_trust_subtype": recipient.nhs_trust_subtype,
        "status": outcome.status,
        "status_basis": outcome.basis,
        "days_overdue": outcome.days_overdue,
        "days_left": outcome.days_left,
        "response_count": len(recipient.documents),
        "response_document_ids": json.dumps(recipient.documents),
    }


def report_row(report: ReportInput, as_of: date) -> dict[str, Any]:
    """Return the report_status row of one report."""
    due = compute_due(report.date_of_report, report.stated_deadline)
    outcome = report_outcome(report, as_of)
    sources = {r.source for r in report.recipients}
    replies = replies_of(report)
    if not replies:
        replies_basis = "none"
    elif len(report.response_documents) >= report.imported_replies:
        replies_basis = "documents"
    else:
        replies_basis = "import"
    return {
        "report_id": report.id,
        "ref": report.ref,
        "date_of_report": _iso(report.date_of_report),
        "year": report.year,
        "coroner_area": report.coroner_area,
        "due_date": _iso(due.on),
        "due_basis": due.basis,
        "recipients": len(report.recipients),
        "recipients_basis": sources.pop() if sources else "none",
        "replies": replies,
        "replies_basis": replies_basis,
        "matched": sum(1 for r in report.recipients if r.documents),
        "status": outcome.status,
        "days_overdue": outcome.days_overdue,
        "days_left": outcome.days_left,
        "published_status": report.published_status,
        "as_of": as_of.isoformat(),
    }


def rebuild_status(db: sqlite_utils.Database, as_of: date) -> dict[str, int]:
    """Recompute recipient_status and report_status from scratch; return status counts."""
    reports = load_inputs(db)
    recipient_table: list[dict[str, Any]] = []
    report_table: list[dict[str, Any]] = []
    for report in reports.values():
        recipient_table.extend(recipient_rows(report, as_of))
        report_table.append(report_row(report, as_of))
    with db.conn:
        db.execute("DELETE FROM recipient_status")
        db.execute("DELETE FROM report_status")
        db["recipient_status"].insert_all(recipient_table, batch_size=1000)
        db["report_status"].insert_all(report_table, batch_size=1000)
    figures: dict[str, int] = {"reports": len(report_table)}
    figures.update({f"reports_{s}": 0 for s in REPORT_STATUSES})
    for row in report_table:
        figures[f"reports_{row['status']}"] += 1
    requests = [r for r in recipient_table if r["recipient_id"]]
    figures["requests"] = len(requests)
    figures.update({f"requests_{s}": 0 for s in RECIPIENT_STATUSES})
    for row in requests:
        figures[f"requests_{row['status']}"] += 1
    log.info("status as of %s: %s", as_of, figures)
    return figures
