"""The extract stage: text of every stored document, then report sections, facts and responses.

Incremental: a file (by sha256) is read once per extractor version; sections, concerns, facts and
response details are rewritten only when what they are made from has changed, so a second run
changes nothing.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from rich.progress import track

from nlp.extract_pool import WorkerFailure, run_inline, run_isolated
from nlp.extract_store import add_error_once, section_reports, store_responses, store_text
from nlp.pdf import ENGINES, DocText, ExtractOptions, extract_document, extractor_version
from nlp.pdf_ocr import tesseract_available
from tracker.config import Config
from tracker.models import ErrorRow

log = logging.getLogger(__name__)

STAGE = "extract"
DEFAULT_TIMEOUT = 300.0  # seconds one document may take (OCR of a long scan included)
KIND_ORDER = {"report": 0, "response": 1, "other": 2}


@dataclass(slots=True)
class ExtractTask:
    """One distinct file to read, and what the documents table says about it."""

    sha256: str
    path: str
    kind: str
    url: str = ""
    report_id: str = ""
    options: ExtractOptions = field(default_factory=ExtractOptions)


def extract_task(task: ExtractTask) -> DocText:
    """Read one file (runs in a worker process)."""
    return extract_document(Path(task.path), task.kind, task.options)


def resolve_path(config: Config, path: str | None, sha256: str) -> Path | None:
    """Find a stored file: absolute, under the data dir, under files/, or by its sha256."""
    candidates: list[Path] = []
    if path:
        given = Path(path)
        candidates += (
            [given]
            if given.is_absolute()
            else [config.data_dir / given, config.files_dir / given, given]
        )
    folder = config.files_dir / sha256[:2]
    candidates += [folder / f"{sha256}{ext}" for ext in (".pdf", ".docx", "", ".doc", ".bin")]
    return next((c for c in candidates if c.is_file()), None)


def known_texts(db: sqlite_utils.Database, version: str) -> dict[str, dict[str, Any]]:
    """Return the stored texts of this extractor version, by sha256."""
    sql = "SELECT sha256, needs_ocr, chars FROM document_texts WHERE extractor_version = ?"
    return {row["sha256"]: row for row in db.query(sql, [version])}


def stored_files(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Return one document row per distinct sha256 (a report's kind wins over a response's)."""
    sql = (
        "SELECT sha256, path, kind, url, report_id FROM documents "
        "WHERE sha256 IS NOT NULL AND sha256 != '' ORDER BY id"
    )
    files: dict[str, dict[str, Any]] = {}
    for row in db.query(sql):
        old = files.get(row["sha256"])
        rank = KIND_ORDER.get(row["kind"] or "other", 2)
        if old is None or rank < KIND_ORDER.get(old["kind"] or "other", 2):
            files[row["sha256"]] = row
    return files


def plan_tasks(
    db: sqlite_utils.Database, config: Config, options: ExtractOptions, force: bool, counts: Counter
) -> list[ExtractTask]:
    """List the files that need reading; count the ones skipped or missing."""
    done = known_texts(db, extractor_version(options.engine))
    tasks = []
    for sha, row in stored_files(db).items():
        known = done.get(sha)
        retry_ocr = known is not None and known["needs_ocr"] and options.ocr
        if known is not None and not force and not retry_ocr:
            counts["skipped_unchanged"] += 1
            continue
        path = resolve_path(config, row["path"], sha)
        if path is None:
            counts["missing_files"] += 1
            message = f"stored file not found: {row['path'] or sha}"
            add_error_once(db, ErrorRow(STAGE, message, row["url"] or "", row["report_id"] or ""))
            continue
        kind = row["kind"] or "other"
        tasks.append(
            ExtractTask(sha, str(path), kind, row["url"] or "", row["report_id"] or "", options)
        )
    return tasks


def count_result(counts: Counter, result: DocText) -> None:
    """Add one document's outcome to the stage figures."""
    if result.text:
        counts["documents_extracted"] += 1
        counts["pages"] += result.pages
        if result.text_source == "ocr":
            counts["ocr"] += 1
        if result.ocr_pages:
            counts["ocr_tesseract"] += 1
    else:
        counts["failed"] += 1
    if result.needs_ocr:
        counts["needs_ocr"] += 1


def extract_all(
    db: sqlite_utils.Database,
    tasks: list[ExtractTask],
    version: str,
    workers: int,
    timeout: float,
    progress: bool,
) -> Counter:
    """Read every planned file in worker processes and store each text as it arrives."""
    counts: Counter = Counter()
    if workers <= 0:
        outcomes = run_inline(extract_task, tasks)
    else:
        outcomes = run_isolated(extract_task, tasks, workers, timeout)
    shown = track(
        outcomes, total=len(tasks), description="Extracting text", disable=not progress or not tasks
    )
    for task, outcome in shown:
        if isinstance(outcome, WorkerFailure):
            log.warning("%s: %s", task.url or task.path, outcome.message)
            outcome = DocText(error=outcome.message)
        count_result(counts, outcome)
        with db.conn:
            store_text(db, task, outcome, version)
    return counts


def run_extract(
    db: sqlite_utils.Database,
    config: Config,
    workers: int | None = None,
    force: bool = False,
    progress: bool = True,
    *,
    engine: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, int]:
    """Extract every stored document's text, then split reports and read responses.

    ``workers=0`` reads in this process; the engine defaults to PDT_PDF_ENGINE or pdfium.
    """
    ocr = tesseract_available()
    if not ocr:
        log.warning("tesseract is not installed: scanned documents are flagged needs_ocr, not read")
    engine = engine or os.environ.get("PDT_PDF_ENGINE", "pdfium")
    if engine not in ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}; choose one of {', '.join(ENGINES)}")
    version = extractor_version(engine)
    counts: Counter = Counter()
    tasks = plan_tasks(db, config, ExtractOptions(engine=engine, ocr=ocr), force, counts)
    workers = (os.cpu_count() or 1) if workers is None else workers
    log.info("extracting %d document(s) with %s on %d worker(s)", len(tasks), engine, workers)
    counts.update(extract_all(db, tasks, version, workers, timeout, progress))
    counts.update(section_reports(db, version, progress))
    counts.update(store_responses(db, version, progress))
    first = ("documents_extracted", "ocr", "failed", "skipped_unchanged", "reports_sectioned")
    return {
        **{key: counts.get(key, 0) for key in (*first, "concerns")},
        **dict(sorted(counts.items())),
    }
