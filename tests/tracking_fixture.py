"""Builders for the rows the tracking stage reads, written the way the other stages write them."""

from __future__ import annotations

import sqlite_utils

from tracker.db import upsert_documents, upsert_report
from tracker.models import Document, Report, stable_id

BASE = "https://www.judiciary.uk/prevention-of-future-death-reports"


def add_report(
    db: sqlite_utils.Database,
    rid: str,
    date_of_report: str | None,
    ref: str | None = None,
    ref_raw: str | None = None,
    name: str = "",
    area: str = "Area One",
    date_raw: str = "",
    seen_at: str = "2024-01-01T00:00:00+00:00",
) -> str:
    """Store a crawled report page."""
    upsert_report(
        db,
        Report(
            id=rid,
            url=f"{BASE}/{rid}/",
            ref=ref,
            ref_raw=ref if ref_raw is None else ref_raw,
            date_of_report=date_of_report,
            date_of_report_raw=date_raw or (date_of_report or ""),
            deceased_name=name,
            coroner_area=area,
        ),
        seen_at=seen_at,
    )
    return rid


def add_org(
    db: sqlite_utils.Database,
    oid: str,
    name: str,
    org_type: str = "nhs_trust",
    subtype: str | None = None,
    successor: str | None = None,
) -> str:
    """Store an organisation of the register."""
    db["organisations"].insert(
        {
            "id": oid,
            "name": name,
            "org_type": org_type,
            "nhs_trust_subtype": subtype,
            "successor_id": successor,
            "merged_on": "2020-04-01" if successor else None,
        },
        pk="id",
    )
    return oid


def add_recipient(
    db: sqlite_utils.Database, report_id: str, position: int, name: str, org: str | None = None
) -> str:
    """Store one recipient of a report, matched to an organisation or not."""
    rid = stable_id(report_id, str(position))
    db["recipients"].insert(
        {
            "id": rid,
            "report_id": report_id,
            "position": position,
            "raw": name,
            "org_text": name,
            "organisation_id": org,
            "organisation_name": name,
            "source": "html",
        },
        pk="id",
    )
    return rid


def add_response(
    db: sqlite_utils.Database,
    report_id: str,
    name: str,
    recipients: tuple[str, ...] = (),
    first_seen: str = "2024-01-01T00:00:00+00:00",
    kind: str = "response",
) -> str:
    """Store a response document, and its matches to recipients ('' when unmatched)."""
    url = f"https://www.judiciary.uk/wp-content/uploads/2024/01/{name}.pdf"
    upsert_documents(
        db, [Document(stable_id(report_id, url), report_id, url, kind)], seen_at=first_seen
    )
    doc_id = stable_id(report_id, url)
    for recipient in recipients:
        db["responses"].insert(
            {
                "document_id": doc_id,
                "recipient_id": recipient,
                "report_id": report_id,
                "method": "test",
                "score": 1.0,
            }
        )
    return doc_id
