"""Plan the documents linked from one report page: URLs, kinds, organisations, order, dates."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import PurePosixPath

from crawler.replay.model import DocSpec
from crawler.replay.names import classify_file_name, link_text, org_from_file_name
from crawler.replay.rows import safe_file_name, split_reply_urls, upload_month, url_path


def upload_url(name: str, month: tuple[int, int]) -> str:
    """Return the site path of an uploaded file."""
    return f"/wp-content/uploads/{month[0]:04d}/{month[1]:02d}/{name}"


def doc_date(url: str, kind: str, added: date, rng: random.Random) -> date:
    """Date a document was added: the report's own date, responses in their upload month."""
    if kind == "report":
        return added
    month = upload_month(url)
    if month and month >= (added.year, added.month):
        start = max(added, date(month[0], month[1], 1))
        end = date(month[0] + month[1] // 12, month[1] % 12 + 1, 1) - timedelta(days=1)
        return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))
    return added + timedelta(days=rng.randint(14, 90))


def plan_documents(
    row: dict[str, str], report_id: str, deceased: str, added: date, rng: random.Random
) -> list[DocSpec]:
    """Turn a row's pdf_url and reply_urls into documents, in the row's order."""
    urls = ([row["pdf_url"].strip()] if row["pdf_url"].strip() else []) + split_reply_urls(
        row["reply_urls"]
    )
    docs: list[DocSpec] = []
    seen: set[str] = set()
    for i, source in enumerate(urls):
        name = safe_file_name(PurePosixPath(url_path(source)).name)
        kind = classify_file_name(name, deceased, is_main_pdf=i == 0 and bool(row["pdf_url"]))
        day = doc_date(source, kind, added, rng)
        url = upload_url(name, upload_month(source) or (day.year, day.month))
        if url in seen:
            continue
        seen.add(url)
        org = org_from_file_name(name, deceased) if kind == "response" else ""
        fmt = "docx" if name.lower().endswith(".docx") else "pdf"
        docs.append(
            DocSpec(
                url=url,
                kind=kind,
                file_name=name,
                report_id=report_id,
                organisation=org,
                org_in_name=org,
                date_added=day.isoformat(),
                source_url=source,
                fmt=fmt,
            )
        )
    return docs


def fill_organisations(docs: list[DocSpec], recipients: list[str], rng: random.Random) -> None:
    """Give each response without an organisation in its name a letterhead from the recipients."""
    for doc in docs:
        if doc.kind == "response" and not doc.organisation:
            doc.organisation = (
                rng.choice(recipients) if recipients else "Office of the Chief Executive"
            )


def arrange(docs: list[DocSpec], deceased: str, rng: random.Random, odd: bool) -> list[DocSpec]:
    """Set link texts and, on odd pages, put a response before the report."""
    for doc in docs:
        doc.link_text = link_text(
            doc.file_name, doc.kind, doc.org_in_name, deceased, rng, odd and rng.random() < 0.6
        )
    first_report = next((i for i, d in enumerate(docs) if d.kind == "report"), None)
    later = [i for i, d in enumerate(docs) if d.kind == "response" and i > (first_report or 0)]
    if odd and first_report is not None and later and rng.random() < 0.5:
        docs.insert(first_report, docs.pop(later[0]))
    return docs
