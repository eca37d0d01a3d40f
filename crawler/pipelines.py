"""Item pipelines: download documents (FilesPipeline), then write everything through tracker.db.

Documents go into a content-addressed store, `<data_dir>/files/<sha256[:2]>/<sha256>.<ext>`,
written atomically so a killed crawl never leaves half a file under a final name. A truncated
or corrupt body is still stored, and gets an error row.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.pipelines.files import FilesPipeline
from scrapy.responsetypes import responsetypes
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.bodies import CONTENT_TYPES, body_problems, file_extension
from crawler.items import GoneItem, ProblemItem, ReportItem, SeenItem
from crawler.spiders.judiciary import conditional_headers
from crawler.urls import to_fetch
from tracker.db import (
    add_error_once,
    mark_removed,
    now_iso,
    open_db,
    record_document_check,
    record_file,
    touch_report,
    upsert_documents,
    upsert_report,
    write_transaction,
)
from tracker.models import ErrorRow, FetchedFile

log = logging.getLogger(__name__)
STAGE = "crawl"


def header(response, name: str) -> str | None:
    """Return a response header as text, or None."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def content_address(body: bytes, ext: str) -> tuple[str, str]:
    """Return a body's sha256 and its path in the content-addressed store."""
    sha = hashlib.sha256(body).hexdigest()
    return sha, f"files/{sha[:2]}/{sha}.{ext}"


_MADE_DIRS: set[str] = set()


def write_once(root: Path, relative: str, body: bytes) -> None:
    """Write a body under its final name atomically, unless it is already there.

    Plain os calls, and each store folder made once per process: pathlib's objects and an
    exists-check per mkdir cost several times the write itself for a typical PDF.
    """
    target = os.path.join(root, relative)
    if os.path.exists(target):
        return
    folder = os.path.dirname(target)
    if folder not in _MADE_DIRS:
        os.makedirs(folder, exist_ok=True)
        _MADE_DIRS.add(folder)
    temp = f"{target}.part{os.getpid()}.{threading.get_ident()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    os.replace(temp, target)


def deferred_from_future(future: Future) -> Deferred:
    """Return a Deferred that fires in the reactor thread when a thread's future is done."""
    from twisted.internet import reactor  # the one Scrapy installed

    deferred: Deferred = Deferred()

    def settle(done: Future) -> None:
        error = done.exception()
        if error is not None:
            deferred.errback(Failure(error))
        else:
            deferred.callback(done.result())

    future.add_done_callback(lambda done: reactor.callFromThread(settle, done))
    return deferred


class DocumentResponse(Response):
    """A downloaded document (PDF, Word): a plain response whose type needs no guessing."""


def register_document_types() -> None:
    """Tell Scrapy that document content types are binary documents, not maybe-text.

    For a type it has no class for, Scrapy reads the first 5,000 bytes of every body one by
    one to guess whether it is text: about 4% of a crawl's CPU, for answers the content type
    already gives.
    """
    for content_type in CONTENT_TYPES:
        responsetypes.classes.setdefault(content_type, DocumentResponse)


class DocumentFilesPipeline(FilesPipeline):
    """Download each report's documents with Scrapy's media machinery, never twice."""

    def open_spider(self, spider=None) -> None:
        register_document_types()
        super().open_spider()

    def get_media_requests(self, item: Any, info) -> list[Request]:
        if not isinstance(item, ReportItem):
            return []
        spider = info.spider
        requests = []
        for url in item.file_urls:
            known = spider.plan.files.get(url)
            headers = conditional_headers(known.etag, known.last_modified) if known else {}
            requests.append(
                Request(to_fetch(url, spider.base_origin), headers=headers, meta={"canonical": url})
            )
        return requests

    def media_to_download(self, request: Request, info, *, item: Any = None):
        return None  # the spider already chose what needs fetching

    async def media_downloaded(self, response, request: Request, info, *, item: Any = None):
        # Hashed and written here, in the reactor thread: a worker thread made every system
        # call of the write wait for the GIL, which cost more CPU than the write itself.
        result = self.stored_result(response, request)
        if result.get("path"):
            self.crawler.stats.inc_value("pdt/files")
        return result

    def stored_result(self, response, request: Request) -> dict[str, Any]:
        """Describe a downloaded body and write it into the store; never raise."""
        result = self.file_result(response, request)
        if result.get("path"):
            try:
                write_once(Path(self.store.basedir), result["path"], response.body)
            except OSError as exc:
                result.update(sha256=None, path=None, error=f"could not store the file: {exc}")
        return result

    def file_result(self, response, request: Request) -> dict[str, Any]:
        """Describe a downloaded body and where it goes; never raise, so every file gets a row."""
        result: dict[str, Any] = {
            "url": request.meta["canonical"],
            "http_status": response.status,
            "etag": header(response, "ETag"),
            "last_modified": header(response, "Last-Modified"),
            "problems": [],
        }
        if response.status == 304:
            result["not_modified"] = True
            return result
        if response.status != 200 or not response.body:
            result["error"] = f"HTTP {response.status}" if response.status != 200 else "empty body"
            return result
        content_type = (header(response, "Content-Type") or "").split(";")[0].strip()
        ext = file_extension(result["url"], content_type)
        sha, path = content_address(response.body, ext)
        result.update(sha256=sha, path=path, size=len(response.body), content_type=content_type)
        result["problems"] = body_problems(
            response.body, ext, header(response, "Content-Length"), response.flags
        )
        return result

    def item_completed(self, results, item: Any, info) -> Any:
        if isinstance(item, ReportItem):
            item.files = [
                outcome if ok else {"url": url, "error": f"download failed: {outcome.value!r}"}
                for (ok, outcome), url in zip(results, item.file_urls, strict=True)
            ]
        return item


class StorePipeline:
    """Write items into the store; count new, updated, unchanged, removed and failed.

    Every write runs on one writer thread with its own connection, so the reactor goes on
    downloading while SQLite works (or waits for another crawl worker's transaction).
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.db = None
        self.run_id: int | None = None
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdt-store")

    @classmethod
    def from_crawler(cls, crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        settings = self.crawler.settings
        self.run_id = settings.getint("PDT_RUN_ID") or None
        self.writer.submit(self.open_store, settings.get("PDT_DB_PATH")).result()

    def open_store(self, path: str) -> None:
        """Open the store on the writer thread (a connection belongs to its thread)."""
        self.db = open_db(path)
        # WAL with synchronous=NORMAL: a commit survives a killed process (what --resume needs)
        # without an fsync per row; only a power cut may lose the last commits.
        self.db.execute("PRAGMA synchronous=NORMAL")

    def close_spider(self, spider=None) -> None:
        if self.db is not None:
            self.writer.submit(self.db.close).result()
        self.writer.shutdown()

    def count(self, name: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"pdt/{name}", n)

    def error(self, url: str, message: str, kind: str = "error", report_id: str = "") -> None:
        """Add an errors row (once per distinct problem) and count it."""
        row = ErrorRow(
            stage=STAGE,
            message=message,
            url=url,
            report_id=report_id,
            kind=kind,
            run_id=self.run_id,
        )
        add_error_once(self.db, row)
        log.log(
            logging.INFO if kind == "skipped" else logging.WARNING, "%s %s: %s", kind, url, message
        )
        self.count("skipped" if kind == "skipped" else "failed")

    async def process_item(self, item: Any, spider=None) -> Any:
        """Write one item on the writer thread; wait for it without blocking the reactor."""
        await deferred_from_future(self.writer.submit(self.write_item, item))
        return item

    def write_item(self, item: Any) -> None:
        """Write one item in one transaction: a page is stored whole or not at all."""
        with write_transaction(self.db):
            self.write(item)

    def write(self, item: Any) -> None:
        if isinstance(item, ReportItem):
            self.store_report(item)
        elif isinstance(item, SeenItem):
            touch_report(self.db, item.report_id, now_iso(), item.etag, item.last_modified)
            self.count("unchanged")
        elif isinstance(item, GoneItem):
            self.count("removed", mark_removed(self.db, [item.report_id], now_iso()))
            self.error(item.url, f"report page answered HTTP {item.status}", "http", item.report_id)
        elif isinstance(item, ProblemItem):
            self.error(item.url, item.message, item.kind, item.report_id)

    def store_report(self, item: ReportItem) -> None:
        """Write a page's documents, files and problems, then its report row.

        The report row goes last, so a report seen in this run means its whole page is stored
        (what --resume relies on). A page that only gained or changed documents counts as
        updated.
        """
        seen_at = now_iso()
        report = item.report
        added = upsert_documents(self.db, item.documents, seen_at=seen_at)
        doc_ids: dict[str, list[str]] = {}
        for doc in item.documents:
            doc_ids.setdefault(doc.url, []).append(doc.id)
        outcomes = [
            self.store_file(doc_id, report.id, result, seen_at)
            for result in item.files
            for doc_id in doc_ids.get(result["url"], [])
        ]
        for problem in item.problems:
            self.error(report.url, problem, "parse", report.id)
        outcome = upsert_report(self.db, report, seen_at, item.etag, item.last_modified)
        if outcome == "unchanged" and (added or "updated" in outcomes):
            outcome = "updated"
        self.count(outcome)

    def store_file(self, doc_id: str, report_id: str, result: dict[str, Any], at: str) -> str:
        """Record one document fetch (body, validators, problems); return the file's outcome."""
        outcome = "unchanged"
        if result.get("sha256"):
            fetched = FetchedFile(
                document_id=doc_id,
                url=result["url"],
                sha256=result["sha256"],
                path=result["path"],
                size=result["size"],
                content_type=result.get("content_type", ""),
                http_status=result["http_status"],
                fetched_at=at,
            )
            outcome = record_file(self.db, fetched)
        problems = list(result.get("problems", []))
        if result.get("error"):
            problems.append(result["error"])
        not_modified = bool(result.get("not_modified"))
        record_document_check(
            self.db,
            doc_id,
            at,
            None if not_modified else result.get("http_status"),
            result.get("etag"),
            result.get("last_modified"),
            "; ".join(problems) or None,
            keep_error=not_modified,
        )
        for problem in problems:
            self.error(result["url"], problem, "file", report_id)
        return outcome
