"""Pipelines: the content-addressed file store and the writes through tracker.db."""

from __future__ import annotations

import hashlib

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from crawler.items import GoneItem, ProblemItem, ReportItem, SeenItem
from crawler.middlewares import backoff_seconds
from crawler.pipelines import (
    DocumentFilesPipeline,
    DocumentResponse,
    StorePipeline,
    register_document_types,
)
from crawler.spiders.judiciary import JudiciarySpider
from tracker.db import open_db
from tracker.models import Document, Report

SITE = "https://www.judiciary.uk"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture
def crawler(config):
    settings = {
        "PDT_DB_PATH": str(config.db_path),
        "FILES_STORE": str(config.data_dir),
        "PDT_RUN_ID": 1,
    }
    return get_crawler(JudiciarySpider, settings)


def fetched(crawler, body: bytes, status: int = 200, headers=None) -> dict:
    files = DocumentFilesPipeline.from_crawler(crawler)
    url = f"{SITE}/wp-content/uploads/2024/01/2024-0001-Response-from-NHS-England.pdf"
    request = Request("http://127.0.0.1:9/x.pdf", meta={"canonical": url})
    headers = {"Content-Type": "application/pdf", **(headers or {})}
    response = Response(request.url, status=status, body=body, headers=headers, request=request)
    return files.stored_result(response, request)


def test_bodies_are_stored_by_sha256_once(crawler, config):
    result = fetched(crawler, PDF, headers={"ETag": '"v1"'})
    sha = hashlib.sha256(PDF).hexdigest()
    assert result["sha256"] == sha and result["problems"] == []
    assert result["path"] == f"files/{sha[:2]}/{sha}.pdf"
    assert (config.data_dir / result["path"]).read_bytes() == PDF
    assert result["etag"] == '"v1"'
    again = fetched(crawler, PDF)
    assert again["path"] == result["path"]
    assert len(list((config.data_dir / "files").rglob("*.pdf"))) == 1


def test_truncated_pdf_is_stored_with_a_problem(crawler, config):
    cut = PDF[:25]
    result = fetched(crawler, cut)
    assert (config.data_dir / result["path"]).read_bytes() == cut
    assert any("%%EOF" in p for p in result["problems"])
    assert fetched(crawler, b"", status=500)["error"] == "HTTP 500"
    assert fetched(crawler, b"", status=304)["not_modified"] is True


def test_a_body_that_cannot_be_written_is_an_error_not_a_crash(config):
    blocker = config.data_dir / "not-a-dir"
    blocker.write_text("a file where the store should be")
    settings = {"PDT_DB_PATH": str(config.db_path), "FILES_STORE": str(blocker), "PDT_RUN_ID": 1}
    result = fetched(get_crawler(JudiciarySpider, settings), PDF)
    assert result["sha256"] is None and result["path"] is None
    assert result["error"].startswith("could not store the file")


def put(store: StorePipeline, item) -> None:
    """Send one item through the store pipeline and wait for its write."""
    store.writer.submit(store.write_item, item).result()


def store_item(crawler, file_results):
    report = Report(
        id="r1", url=f"{SITE}/publications/r1/", ref="2024-0001", deceased_name="Ada Fenwick"
    )
    doc = Document(id="d1", report_id="r1", url=file_results[0]["url"], kind="response")
    return ReportItem(
        report=report,
        documents=[doc],
        problems=["missing field on the page: ref"],
        etag='"p"',
        file_urls=[doc.url],
        files=file_results,
    )


def test_store_pipeline_writes_reports_documents_versions_and_errors(crawler, config):
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    put(store, store_item(crawler, [fetched(crawler, PDF[:25])]))
    put(store, store_item(crawler, [fetched(crawler, PDF)]))  # the file changed
    put(store, SeenItem(report_id="r1", url=f"{SITE}/publications/r1/", etag='"q"'))
    put(store, ProblemItem(url=f"{SITE}/railway/", message="landing", kind="skipped"))
    store.close_spider()
    db = open_db(config.db_path)
    assert db["reports"].get("r1")["etag"] == '"q"'
    doc = db["documents"].get("d1")
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest() and doc["error"] is None
    assert db["document_versions"].count == 2  # the truncated first version is kept
    errors = {(r["kind"], r["message"][:24]) for r in db["errors"].rows}
    assert ("parse", "missing field on the pag") in errors
    assert ("file", "truncated or corrupt PDF") in errors
    assert ("skipped", "landing") in errors
    stats = crawler.stats.get_stats()
    figures = [stats.get(f"pdt/{k}") for k in ("new", "updated", "unchanged", "skipped")]
    assert figures == [1, 1, 1, 1]  # the second page only changed its file: updated
    assert db["errors"].count == 3  # the repeated parse problem is recorded once


def test_gone_reports_are_marked_removed_not_deleted(crawler, config):
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    put(store, store_item(crawler, [fetched(crawler, PDF)]))
    put(store, GoneItem(report_id="r1", url=f"{SITE}/publications/r1/", status=404))
    store.close_spider()
    row = open_db(config.db_path)["reports"].get("r1")
    assert row["removed_at"] is not None and row["deceased_name"] == "Ada Fenwick"


def test_backoff_grows_and_is_capped():
    assert [backoff_seconds(n, 0.5, 3.0) for n in range(5)] == [0.0, 0.5, 1.0, 2.0, 3.0]


def test_document_types_are_known_without_reading_the_body():
    register_document_types()
    pdf = {b"Content-Type": b"application/pdf"}
    # a PDF body that happens to look like text is still a document, not a TextResponse
    assert responsetypes.from_args(headers=pdf, body=b"%PDF-1.4 plain words") is DocumentResponse
    word = {b"Content-Type": b"application/msword"}
    assert responsetypes.from_args(headers=word, body=b"\xd0\xcf\x11\xe0") is DocumentResponse
    html = {b"Content-Type": b"text/html; charset=UTF-8"}
    assert responsetypes.from_args(headers=html, body=b"<p>x</p>") is HtmlResponse
