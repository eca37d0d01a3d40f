"""The replay's documents: Regulation 28 reports and response letters with real text layers."""

from __future__ import annotations

import io
import json
import re

import docx
import pdfplumber
import pytest

from crawler.replay import (
    SAMPLE_CSV,
    Faults,
    ReplayServer,
    SiteConfig,
    build_site,
    due_date,
    load_reports_csv,
)
from crawler.replay.text import long_date
from tests.replay_support import fetch

HEADINGS = [
    "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS",
    "THIS REPORT IS BEING SENT TO:",
    "1 CORONER",
    "LEGAL POWERS",
    "3 INVESTIGATION",
    "4 CIRCUMSTANCES OF THE DEATH",
    "CONCERNS",
    "6 ACTION SHOULD BE TAKEN",
    "7 YOUR RESPONSE",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay_pdfs")
    site = build_site(load_reports_csv(SAMPLE_CSV), out, SiteConfig(seed=3))
    with ReplayServer(out) as srv:
        yield site, srv


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_report_pdfs_follow_the_regulation_28_template(served):
    site, srv = served
    checked = 0
    for report in site.reports:
        for doc in (d for d in report.documents if d.kind == "report" and d.fmt == "pdf"):
            text = " ".join(pdf_text(fetch(srv.url(doc.url)).body).split())
            for heading in HEADINGS:
                assert heading.lower() in text.lower().replace("\u2019", "'"), (doc.url, heading)
            assert f"namely by {long_date(due_date(report))}" in text
            for recipient in report.recipients_pdf:
                assert " ".join(recipient.split()) in text
            if report.ref:
                assert report.ref not in text  # the PDF does not print the ref
            checked += 1
    assert checked >= 40


def test_section_text_from_the_rows_reaches_the_pdf(served):
    site, srv = served
    report = next(r for r in site.reports if r.id.startswith("frederick-osei"))
    doc = next(d for d in report.documents if d.kind == "report")
    text = " ".join(pdf_text(fetch(srv.url(doc.url)).body).split())
    assert "ambulance outside the emergency department" in text
    assert re.search(r"\(1\) Patients waiting in ambulances", text)
    assert "(3) Escalation plans" in text


def test_response_letters_name_their_organisation(served):
    site, srv = served
    responses = [(r, d) for r in site.reports for d in r.documents if d.kind == "response"]
    assert len(responses) >= 40
    for report, doc in responses[:15]:
        text = pdf_text(fetch(srv.url(doc.url)).body)
        assert text.splitlines()[0] == doc.organisation
        assert report.deceased_name in text or not report.deceased_name
        assert "Yours sincerely" in text


def test_docx_report_opens(served):
    site, srv = served
    doc = next(d for r in site.reports for d in r.documents if d.fmt == "docx")
    reply = fetch(srv.url(doc.url))
    assert reply.headers["Content-Type"].endswith("wordprocessingml.document")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(reply.body)).paragraphs)
    assert "THIS REPORT IS BEING SENT TO:" in text and "7 YOUR RESPONSE" in text


def test_same_seed_same_site_other_seed_other_choices(tmp_path):
    rows = load_reports_csv(SAMPLE_CSV)
    config = SiteConfig(seed=7, faults=Faults.from_names("scanned_pdf,missing_field"))
    a = build_site(rows, tmp_path / "a", config)
    b = build_site(rows, tmp_path / "b", config)
    c = build_site(rows, tmp_path / "c", SiteConfig(seed=8, faults=config.faults))
    manifest = [json.loads((s.root / "manifest.json").read_text()) for s in (a, b, c)]
    assert manifest[0] == manifest[1]
    assert manifest[0]["reports"] != manifest[2]["reports"]
    with ReplayServer(a.root) as one, ReplayServer(b.root) as two:
        for report in a.reports[:5]:
            url = report.documents[0].url
            assert fetch(one.url(url)).body == fetch(two.url(url)).body


def test_eager_build_writes_every_file(tmp_path):
    site = build_site(load_reports_csv(SAMPLE_CSV), tmp_path, SiteConfig(eager_files=True))
    urls = {d.url for r in site.reports for d in r.documents}
    assert site.files_written == len(urls) == site.file_count
    assert all((tmp_path / "www" / u.lstrip("/")).stat().st_size > 500 for u in urls)
