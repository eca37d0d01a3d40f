"""The only owner of the schema: versioned migrations, and the writes every stage shares.

A migration is a function registered with ``@migration``; it runs once per database and is
recorded in ``_migrations`` so an older database upgrades in place. Never edit a migration
that has shipped: add a new one at the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from tracker.models import Document, ErrorRow, FetchedFile, Report

log = logging.getLogger(__name__)

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register a migration; its function name is its stable identity."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def now_iso() -> str:
    """Return the current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@migration
def m001_core(db: sqlite_utils.Database) -> None:
    """Reports, their document links, fetched file versions, crawl runs and errors."""
    db.executescript(
        """
        CREATE TABLE reports (
            id TEXT PRIMARY KEY,          -- final slug of the canonical URL path
            url TEXT NOT NULL,
            generation TEXT,              -- current | legacy | import
            title TEXT,
            ref TEXT,                     -- normalised YYYY-NNNN[suffix]
            ref_raw TEXT,
            date_of_report TEXT,          -- ISO 8601
            date_of_report_raw TEXT,
            date_added TEXT,
            deceased_name TEXT,
            coroner_name TEXT,
            coroner_area TEXT,            -- canonical
            coroner_area_raw TEXT,
            categories TEXT,              -- JSON list of the site's tags
            recipients_raw TEXT,
            page_text TEXT,               -- report text pasted into the page (2023+)
            source TEXT,                  -- html | import
            content_hash TEXT,
            etag TEXT,
            last_modified TEXT,
            first_seen_at TEXT,
            last_seen_at TEXT,
            last_changed_at TEXT,
            removed_at TEXT
        );
        CREATE INDEX idx_reports_ref ON reports(ref);
        CREATE INDEX idx_reports_date ON reports(date_of_report);
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,          -- stable_id(report_id, url)
            report_id TEXT REFERENCES reports(id),
            url TEXT NOT NULL,
            kind TEXT,                    -- report | response | other
            link_text TEXT,
            file_name TEXT,
            org_hint TEXT,
            position INTEGER,
            sha256 TEXT,                  -- current version
            path TEXT,
            size INTEGER,
            content_type TEXT,
            http_status INTEGER,
            fetched_at TEXT,
            error TEXT,
            first_seen_at TEXT,
            removed_at TEXT
        );
        CREATE INDEX idx_documents_report ON documents(report_id);
        CREATE INDEX idx_documents_sha ON documents(sha256);
        CREATE TABLE document_versions (
            document_id TEXT REFERENCES documents(id),
            sha256 TEXT,
            path TEXT,
            size INTEGER,
            content_type TEXT,
            fetched_at TEXT,
            PRIMARY KEY (document_id, sha256)
        );
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT,
            finished_at TEXT,
            base_url TEXT,
            mode TEXT,                    -- full | incremental | window | import
            as_of TEXT,
            options TEXT,                 -- JSON
            requests INTEGER,
            pages INTEGER,
            files INTEGER,
            new INTEGER,
            updated INTEGER,
            unchanged INTEGER,
            removed INTEGER,
            failed INTEGER,
            status TEXT
        );
        CREATE TABLE errors (
            id INTEGER PRIMARY KEY,
            run_id INTEGER,
            stage TEXT,
            kind TEXT,
            url TEXT,
            report_id TEXT,
            message TEXT,
            created_at TEXT
        );
        CREATE INDEX idx_errors_stage ON errors(stage);
        """
    )


@migration
def m002_text(db: sqlite_utils.Database) -> None:
    """Document text, report sections, concern items, extracted facts, response details."""
    db.executescript(
        """
        CREATE TABLE document_texts (
            sha256 TEXT,
            extractor_version TEXT,
            text TEXT,
            text_source TEXT,             -- pdf | ocr | docx | none
            pages INTEGER,
            chars INTEGER,
            quality REAL,
            needs_ocr INTEGER,
            error TEXT,
            extracted_at TEXT,
            PRIMARY KEY (sha256, extractor_version)
        );
        CREATE TABLE sections (
            report_id TEXT REFERENCES reports(id),
            name TEXT,                    -- sent_to | coroner | legal_powers | investigation ...
            text TEXT,
            source TEXT,                  -- html | pdf | ocr
            model_version TEXT,
            PRIMARY KEY (report_id, name)
        );
        CREATE TABLE concerns (
            id TEXT PRIMARY KEY,          -- stable_id(report_id, position)
            report_id TEXT REFERENCES reports(id),
            position INTEGER,
            text TEXT,
            source TEXT,
            model_version TEXT
        );
        CREATE INDEX idx_concerns_report ON concerns(report_id);
        CREATE TABLE report_facts (
            report_id TEXT PRIMARY KEY REFERENCES reports(id),
            coroner_name TEXT,
            coroner_area TEXT,
            conclusion TEXT,
            cause_of_death TEXT,
            response_deadline TEXT,       -- ISO date stated in section 7
            response_deadline_raw TEXT,
            recipients_from_pdf TEXT,
            source TEXT,
            model_version TEXT
        );
        CREATE TABLE response_details (
            document_id TEXT PRIMARY KEY REFERENCES documents(id),
            report_id TEXT REFERENCES reports(id),
            response_date TEXT,
            organisation TEXT,
            text TEXT,
            source TEXT,
            model_version TEXT
        );
        """
    )


@migration
def m003_recipients(db: sqlite_utils.Database) -> None:
    """The organisation register, each report's recipients, and response matches."""
    db.executescript(
        """
        CREATE TABLE organisations (
            id TEXT PRIMARY KEY,
            name TEXT,
            org_type TEXT,                -- nhs_trust | health_board | icb | national_body ...
            nhs_trust_subtype TEXT,       -- acute | specialist | mental_health | ...
            ods_code TEXT,
            region TEXT,
            country TEXT,
            successor_id TEXT REFERENCES organisations(id),
            merged_on TEXT,
            opened_on TEXT,
            closed_on TEXT,
            source TEXT
        );
        CREATE TABLE organisation_aliases (
            alias TEXT,
            organisation_id TEXT REFERENCES organisations(id),
            kind TEXT,                    -- name | abbreviation | former_name
            PRIMARY KEY (alias, organisation_id)
        );
        CREATE TABLE recipients (
            id TEXT PRIMARY KEY,          -- stable_id(report_id, position)
            report_id TEXT REFERENCES reports(id),
            position INTEGER,
            raw TEXT,
            person TEXT,
            role TEXT,
            org_text TEXT,
            organisation_id TEXT REFERENCES organisations(id),
            organisation_name TEXT,
            org_type TEXT,
            nhs_trust_subtype TEXT,
            ods_code TEXT,
            match_method TEXT,            -- exact | alias | fuzzy | pattern | none
            match_score REAL,
            source TEXT,                  -- html | pdf | import
            due_date TEXT,
            model_version TEXT
        );
        CREATE INDEX idx_recipients_report ON recipients(report_id);
        CREATE INDEX idx_recipients_org ON recipients(organisation_id);
        CREATE TABLE responses (
            document_id TEXT REFERENCES documents(id),
            recipient_id TEXT,            -- '' when the response matches no recipient
            report_id TEXT REFERENCES reports(id),
            method TEXT,
            score REAL,
            model_version TEXT,
            PRIMARY KEY (document_id, recipient_id)
        );
        CREATE INDEX idx_responses_recipient ON responses(recipient_id);
        """
    )


@migration
def m004_themes(db: sqlite_utils.Database) -> None:
    """Concern themes, topics and the audit of the site's categories."""
    db.executescript(
        """
        CREATE TABLE themes (
            id TEXT PRIMARY KEY,
            label TEXT,
            description TEXT,
            inclusion_notes TEXT
        );
        CREATE TABLE concern_themes (
            concern_id TEXT REFERENCES concerns(id),
            theme_id TEXT REFERENCES themes(id),
            score REAL,
            model_version TEXT,
            PRIMARY KEY (concern_id, theme_id)
        );
        CREATE TABLE report_themes (
            report_id TEXT REFERENCES reports(id),
            theme_id TEXT REFERENCES themes(id),
            score REAL,
            n_concerns INTEGER,
            source TEXT,                  -- text | fallback
            model_version TEXT,
            PRIMARY KEY (report_id, theme_id)
        );
        CREATE TABLE topics (
            id INTEGER PRIMARY KEY,
            model_version TEXT,
            top_terms TEXT,
            representative TEXT,
            size INTEGER
        );
        CREATE TABLE report_topics (
            report_id TEXT REFERENCES reports(id),
            topic_id INTEGER REFERENCES topics(id),
            weight REAL,
            model_version TEXT,
            PRIMARY KEY (report_id, topic_id)
        );
        CREATE TABLE category_audit (
            report_id TEXT PRIMARY KEY REFERENCES reports(id),
            site_categories TEXT,
            predicted TEXT,
            flag TEXT,
            score REAL,
            source TEXT,
            model_version TEXT
        );
        """
    )


# --- opening and shaping -------------------------------------------------------------------


def open_db(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the store and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    ensure_db_shape(db)
    return db


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Return the names of the migrations this database has had, in order."""
    if "_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY id")]


def ensure_db_shape(
    db: sqlite_utils.Database, migrations: list[tuple[str, Migration]] | None = None
) -> list[str]:
    """Apply every migration not yet applied; safe to re-run. Returns the names applied.

    ``migrations`` defaults to all of them; tests pass a prefix to build an older schema.
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations "
        "(id INTEGER PRIMARY KEY, name TEXT UNIQUE, applied_at TEXT)"
    )
    done = set(applied_migrations(db))
    applied = []
    for name, fn in MIGRATIONS if migrations is None else migrations:
        if name in done:
            continue
        with db.conn:
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": now_iso()})
        log.info("applied migration %s", name)
        applied.append(name)
    return applied


# --- writes --------------------------------------------------------------------------------

REPORT_CONTENT_FIELDS = (
    "url generation title ref ref_raw date_of_report date_of_report_raw date_added "
    "deceased_name coroner_name coroner_area coroner_area_raw categories recipients_raw "
    "page_text source"
).split()


def _report_row(report: Report) -> dict[str, Any]:
    row = report.to_row()
    row["categories"] = json.dumps(report.categories, ensure_ascii=False)
    return row


def content_hash(row: dict[str, Any]) -> str:
    """Hash the content fields of a report row, so a re-crawl can tell what changed."""
    payload = json.dumps([row.get(k) for k in REPORT_CONTENT_FIELDS], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def merge_keep_better(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Take the new values, but never replace a stored value with an empty one."""
    merged = dict(old)
    for key, value in new.items():
        if value in (None, "", "[]") and old.get(key) not in (None, "", "[]"):
            continue
        merged[key] = value
    return merged


def upsert_report(
    db: sqlite_utils.Database,
    report: Report,
    seen_at: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> str:
    """Insert or update a report; return 'new', 'updated' or 'unchanged'.

    A page that lost a field (a broken or changed layout) never blanks what is stored.
    """
    seen_at = seen_at or now_iso()
    table = db["reports"]
    new = _report_row(report)
    try:
        old = table.get(report.id)
    except sqlite_utils.db.NotFoundError:
        old = None
    if old is None:
        new.update(
            content_hash=content_hash(new),
            first_seen_at=seen_at,
            last_seen_at=seen_at,
            last_changed_at=seen_at,
            etag=etag,
            last_modified=last_modified,
            removed_at=None,
        )
        table.insert(new)
        return "new"
    merged = merge_keep_better(old, new)
    merged["content_hash"] = content_hash(merged)
    changed = merged["content_hash"] != old.get("content_hash")
    merged.update(last_seen_at=seen_at, removed_at=None)
    if etag:
        merged["etag"] = etag
    if last_modified:
        merged["last_modified"] = last_modified
    if changed:
        merged["last_changed_at"] = seen_at
    table.update(report.id, merged)
    return "updated" if changed else "unchanged"


def upsert_documents(
    db: sqlite_utils.Database, documents: Iterable[Document], seen_at: str | None = None
) -> int:
    """Insert or refresh document links without touching their fetched-file columns."""
    seen_at = seen_at or now_iso()
    table = db["documents"]
    count = 0
    for doc in documents:
        row = doc.to_row()
        try:
            old = table.get(doc.id)
        except sqlite_utils.db.NotFoundError:
            old = None
        if old is None:
            row.update(first_seen_at=seen_at, removed_at=None)
            table.insert(row)
            count += 1
        else:
            merged = merge_keep_better(old, row)
            if merged != old:
                table.update(doc.id, merged)
    return count


def record_file(db: sqlite_utils.Database, fetched: FetchedFile) -> str:
    """Attach a downloaded body to its document; return 'new', 'updated' or 'unchanged'.

    Every distinct body is kept in ``document_versions``: a changed file never loses the old.
    """
    versions = db["document_versions"]
    key = (fetched.document_id, fetched.sha256)
    known = versions.count_where("document_id = ? AND sha256 = ?", key) > 0
    if not known:
        versions.insert(
            {
                "document_id": fetched.document_id,
                "sha256": fetched.sha256,
                "path": fetched.path,
                "size": fetched.size,
                "content_type": fetched.content_type,
                "fetched_at": fetched.fetched_at or now_iso(),
            }
        )
    try:
        doc = db["documents"].get(fetched.document_id)
    except sqlite_utils.db.NotFoundError:
        doc = None
    previous = doc.get("sha256") if doc else None
    if doc is not None:
        db["documents"].update(
            fetched.document_id,
            {
                "sha256": fetched.sha256,
                "path": fetched.path,
                "size": fetched.size,
                "content_type": fetched.content_type,
                "http_status": fetched.http_status,
                "fetched_at": fetched.fetched_at or now_iso(),
                "error": None,
            },
        )
    if previous is None:
        return "new"
    return "unchanged" if previous == fetched.sha256 else "updated"


def add_error(db: sqlite_utils.Database, error: ErrorRow) -> None:
    """Record bad input met by a stage."""
    db["errors"].insert(
        {
            "run_id": error.run_id,
            "stage": error.stage,
            "kind": error.kind,
            "url": error.url,
            "report_id": error.report_id,
            "message": error.message,
            "created_at": now_iso(),
        }
    )


def start_run(
    db: sqlite_utils.Database, mode: str, base_url: str, as_of: str, options: dict[str, Any]
) -> int:
    """Open a crawl_runs row and return its id."""
    return (
        db["crawl_runs"]
        .insert(
            {
                "started_at": now_iso(),
                "base_url": base_url,
                "mode": mode,
                "as_of": as_of,
                "options": json.dumps(options, default=str),
                "status": "running",
            }
        )
        .last_pk
    )


def finish_run(
    db: sqlite_utils.Database, run_id: int, figures: dict[str, Any], status: str
) -> None:
    """Close a crawl_runs row with its figures."""
    db["crawl_runs"].update(run_id, {**figures, "finished_at": now_iso(), "status": status})


def mark_removed(db: sqlite_utils.Database, report_ids: Iterable[str], at: str) -> int:
    """Mark reports that vanished from the site; they are kept, never deleted."""
    n = 0
    for rid in report_ids:
        db.execute(
            "UPDATE reports SET removed_at = ? WHERE id = ? AND removed_at IS NULL", [at, rid]
        )
        n += 1
    return n


def table_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Return the row count of every user table, for run summaries."""
    return {
        name: db[name].count
        for name in sorted(db.table_names())
        if not name.startswith("_") and "_fts" not in name
    }
