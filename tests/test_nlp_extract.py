"""The extract stage over a store: incremental, isolated from bad files, and wired to the CLI."""

from __future__ import annotations

import hashlib
import os
import time
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

import nlp.extract
from nlp.extract import run_extract
from nlp.extract_pool import WorkerFailure, run_isolated
from nlp.pdf import DocText, extract_document
from nlp.pdf_ocr import tesseract_available
from pipeline import cli
from tests.fixtures.pdf.reg28_pdf import (
    Reg28,
    build_encrypted_pdf,
    build_image_pdf,
    build_letter_pdf,
    build_long_pdf,
    build_report_pdf,
    text_image,
)
from tracker.db import open_db, record_file, upsert_documents, upsert_report
from tracker.models import Document, FetchedFile, Report, stable_id

REPORT = Reg28(
    recipients=["Chief Executive, Northshire Partnership NHS Foundation Trust"],
    investigation="On 1 March 2023 I commenced an investigation. The conclusion of the inquest was "
    "accident. The medical cause of death was 1a Head injury",
    circumstances="John fell down the stairs at his home on 28 February 2023.",
    concerns="The MATTERS OF CONCERN are as follows:\n(1) The falls policy was not followed.\n"
    "(2) Nobody checked the handrail.",
)
LETTER = [
    "Northshire Partnership NHS Foundation Trust",
    "Trust Headquarters, 1 Hill Road",
    "",
    "3rd July 2023",
    "",
    "Ms Jane Example",
    "HM Senior Coroner for Northshire",
    "",
    "Dear Ms Example,",
    "Thank you for your report dated 5 May 2023 about John.",
    "We have changed our falls policy.",
    "",
    "Yours sincerely,",
    "",
    "Dr Alex Sample",
    "Chief Executive, Northshire Partnership NHS Foundation Trust",
]
PAGE_TEXT = (
    "THIS REPORT IS BEING SENT TO: 1. Chief Constable, Westdale Police\n1 CORONER\n"
    "I am Sam Other, Assistant Coroner, for the coroner area of Westdale.\n"
    "3 INVESTIGATION and INQUEST\nOn 2 May 2023 I commenced an investigation.\n"
    "4 CIRCUMSTANCES OF THE DEATH\nShe was struck by a car on a crossing.\n"
    "5 CORONER'S CONCERNS\nThe crossing lights were broken for a month.\n"
    "7 YOUR RESPONSE\nnamely by 1 September 2023."
)


def add_file(db, config, report_id: str, name: str, data: bytes, kind: str, ext: str = "pdf"):
    """Store a file the way the crawler does and link it to a report."""
    sha = hashlib.sha256(data + name.encode()).hexdigest()
    relative = f"files/{sha[:2]}/{sha}.{ext}"
    (config.data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    (config.data_dir / relative).write_bytes(data)
    url = f"https://example.org/uploads/{name}"
    doc_id = stable_id(report_id, url)
    upsert_documents(db, [Document(doc_id, report_id, url, kind, file_name=name)])
    record_file(db, FetchedFile(doc_id, url, sha, relative, len(data)))
    return doc_id


@cache
def bundle_pdf() -> bytes:
    """A 300-page bundle of exhibits (built once per test session)."""
    return build_long_pdf(300, lines_per_page=20)


@cache
def report_pdf() -> bytes:
    return build_report_pdf(REPORT)


@cache
def scan_pdf() -> bytes:
    return build_image_pdf(
        [
            text_image(
                [
                    "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS",
                    "",
                    "1 CORONER",
                    "I am Kim Example, coroner for the area of Eastshire.",
                    "4 CIRCUMSTANCES OF THE DEATH",
                    "He drowned in a canal.",
                ]
            )
        ]
    )


@pytest.fixture
def store(tmp_path, config):
    """A store with good, bad and odd documents, and one report known only by its page text."""
    db = open_db(tmp_path / "pdt.db")
    for rid in ("r1", "r2", "r3"):
        upsert_report(db, Report(id=rid, url=f"https://example.org/{rid}/"))
    upsert_report(
        db,
        Report(
            id="r4",
            url="https://example.org/r4/",
            page_text=PAGE_TEXT,
            recipients_raw="Chief Constable, Westdale Police",
        ),
    )
    add_file(db, config, "r1", "report.pdf", report_pdf(), "report")
    add_file(
        db, config, "r1", "2023-0001-Response-from-Trust.pdf", build_letter_pdf(LETTER), "response"
    )
    add_file(db, config, "r2", "corrupt.pdf", b"%PDF-1.4\n%%garbage, no objects at all", "report")
    add_file(db, config, "r2", "empty.pdf", b"", "report")
    add_file(db, config, "r2", "locked.pdf", build_encrypted_pdf(), "report")
    add_file(db, config, "r2", "page.pdf", b"<html><body>Server error</body></html>", "response")
    add_file(db, config, "r3", "scan.pdf", scan_pdf(), "report")
    add_file(db, config, "r3", "bundle.pdf", bundle_pdf(), "other")
    return db


def snapshot(db) -> dict[str, list]:
    tables = (
        "document_texts",
        "sections",
        "concerns",
        "report_facts",
        "response_details",
        "errors",
    )
    return {
        t: [
            {k: v for k, v in row.items() if k not in ("extracted_at", "created_at")}
            for row in db[t].rows
        ]
        for t in tables
    }


def test_stage_reads_everything_and_a_second_run_changes_nothing(store, config, monkeypatch):
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: False)
    first = run_extract(store, config, workers=2, progress=False)
    assert first["documents_extracted"] == 3  # report, response letter, long bundle
    assert first["failed"] == 5 and first["needs_ocr"] == 1
    assert first["reports_sectioned"] == 2 and first["concerns"] == 3
    messages = {row["message"] for row in store["errors"].rows}
    assert {
        "empty file (zero bytes)",
        "encrypted PDF: a password is needed to open it",
        "not a document: the file is an HTML page",
    } <= messages
    assert any(m.startswith("corrupt PDF") for m in messages)
    assert any("tesseract is not available" in m for m in messages)
    before = snapshot(store)
    second = run_extract(store, config, workers=2, progress=False)
    assert second["skipped_unchanged"] == 8 and second["documents_extracted"] == 0
    assert second["reports_sectioned"] == 0 and second["reports_unchanged"] == 2
    assert snapshot(store) == before


def test_sections_facts_and_concerns_are_stored_with_their_source(store, config, monkeypatch):
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: False)
    run_extract(store, config, workers=0, progress=False)
    facts = store["report_facts"].get("r1")
    assert facts["coroner_name"] == "Jane Example" and facts["source"] == "pdf"
    assert (
        facts["response_deadline"] == "2023-06-16" and facts["cause_of_death"] == "1a Head injury"
    )
    assert (
        facts["recipients_from_pdf"]
        == "Chief Executive, Northshire Partnership NHS Foundation Trust"
    )
    concerns = list(store["concerns"].rows_where("report_id = 'r1'", order_by="position"))
    assert [c["text"] for c in concerns] == [
        "The falls policy was not followed.",
        "Nobody checked the handrail.",
    ]
    assert concerns[0]["id"] == stable_id("r1", "1")
    page = store["report_facts"].get("r4")
    assert page["source"] == "html" and page["coroner_area"] == "Westdale"
    assert page["response_deadline"] == "2023-09-01"
    assert store["reports"].get("r4")["recipients_raw"] == "Chief Constable, Westdale Police"
    assert store["reports"].get("r1")["recipients_raw"] == ""


def test_response_letters_get_date_organisation_and_text(store, config, monkeypatch):
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: False)
    run_extract(store, config, workers=0, progress=False)
    [row] = list(store["response_details"].rows)
    assert row["report_id"] == "r1" and row["response_date"] == "2023-07-03"
    assert row["organisation"] == "Northshire Partnership NHS Foundation Trust"
    assert "changed our falls policy" in row["text"]


@pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")
def test_flagged_scans_are_read_once_tesseract_is_available(store, config, monkeypatch):
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: False)
    run_extract(store, config, workers=2, progress=False)
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: True)
    again = run_extract(store, config, workers=2, progress=False)
    assert again["documents_extracted"] == 1 and again["ocr"] == 1
    assert store["report_facts"].get("r3")["coroner_area"] == "Eastshire"
    assert store["sections"].get(("r3", "circumstances"))["source"] == "ocr"


def crash_on_corrupt(task):
    """Stand-in extractor whose process dies on one file, like a native-library crash."""
    if task.path.endswith(".pdf") and Path(task.path).read_bytes().startswith(
        b"%PDF-1.4\n%%garbage"
    ):
        os._exit(3)
    return extract_document(Path(task.path), task.kind, task.options)


def test_a_worker_crash_costs_only_its_own_document(store, config, monkeypatch):
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: False)
    monkeypatch.setattr(nlp.extract, "extract_task", crash_on_corrupt)
    counts = run_extract(store, config, workers=2, progress=False)
    assert counts["documents_extracted"] == 3 and counts["failed"] == 5
    crashed = [r for r in store["errors"].rows if "crashed" in r["message"]]
    assert [r["url"] for r in crashed] == ["https://example.org/uploads/corrupt.pdf"]


def slow_on_bundle(task):
    """Stand-in extractor that hangs on the long bundle, like a pathological file."""
    if task.path.endswith(".pdf") and Path(task.path).stat().st_size > 100_000:
        time.sleep(60)
    return extract_document(Path(task.path), task.kind, task.options)


def test_a_document_that_hangs_is_stopped_and_recorded(store, config, monkeypatch):
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: False)
    monkeypatch.setattr(nlp.extract, "extract_task", slow_on_bundle)
    counts = run_extract(store, config, workers=2, progress=False, timeout=3)
    assert counts["documents_extracted"] == 2 and counts["failed"] == 6
    [hung] = [r for r in store["errors"].rows if "timed out" in r["message"]]
    assert hung["url"] == "https://example.org/uploads/bundle.pdf"
    assert store["report_facts"].get("r1")["coroner_area"] == "Northshire"


def sleepy(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def dies(value: int) -> int:
    if value == 2:
        os._exit(1)
    return value * 10


def test_pool_stops_a_hung_item_and_finishes_the_rest():
    results = dict(run_isolated(sleepy, [0.0, 30.0, 0.1, 0.0], workers=2, timeout=1.5))
    assert isinstance(results[30.0], WorkerFailure) and "timed out" in results[30.0].message
    assert results[0.1] == 0.1 and results[0.0] == 0.0


def test_pool_blames_only_the_item_that_crashes():
    results = dict(run_isolated(dies, [1, 2, 3, 4, 5], workers=2, timeout=60))
    assert isinstance(results[2], WorkerFailure) and "crashed" in results[2].message
    assert {k: v for k, v in results.items() if k != 2} == {1: 10, 3: 30, 4: 40, 5: 50}


def test_a_text_is_never_replaced_by_a_failed_attempt(store, config, monkeypatch):
    monkeypatch.setattr(nlp.extract, "tesseract_available", lambda: False)
    run_extract(store, config, workers=0, progress=False)
    before = store.execute("SELECT sha256, text FROM document_texts WHERE chars > 0").fetchall()
    monkeypatch.setattr(nlp.extract, "extract_task", lambda task: DocText(error="disk on fire"))
    counts = run_extract(store, config, workers=0, force=True, progress=False)
    assert counts["failed"] == 8
    assert (
        store.execute("SELECT sha256, text FROM document_texts WHERE chars > 0").fetchall()
        == before
    )


def test_cli_runs_the_stage(tmp_path):
    data = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "-q", "extract", "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert "documents_extracted" in result.output and "reports_sectioned" in result.output
