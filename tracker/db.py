"""The only owner of the schema: versioned migrations, and the writes every stage shares.

A migration is a function registered with ``@migration``; it runs once per database and is
recorded in ``_migrations`` so an older database upgrades in place. Never edit a migration
that has shipped: add a new one at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
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


# Full-text search for publishing: each index follows its table through triggers, so every
# writer keeps it in sync. Report text is searched in `reports_fts` (page fields) and in
# `sections_fts` (the PDF's sections: circumstances, concerns ...); response letters in
# `response_details_fts`.
PUBLISH_FTS = {
    "reports": [
        "title",
        "deceased_name",
        "coroner_name",
        "coroner_area",
        "recipients_raw",
        "page_text",
    ],
    "sections": ["text"],
    "response_details": ["organisation", "text"],
}


@migration
def m020_publish_fts(db: sqlite_utils.Database) -> None:
    """Full-text indexes, publishing views and the indexes the canned queries need."""
    for table, columns in PUBLISH_FTS.items():
        db[table].enable_fts(columns, create_triggers=True, tokenize="porter")
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS idx_responses_report ON responses(report_id);
        CREATE INDEX IF NOT EXISTS idx_response_details_report ON response_details(report_id);
        CREATE INDEX IF NOT EXISTS idx_report_themes_theme ON report_themes(theme_id);
        CREATE INDEX IF NOT EXISTS idx_concern_themes_theme ON concern_themes(theme_id);
        CREATE INDEX IF NOT EXISTS idx_organisations_successor ON organisations(successor_id);
        CREATE INDEX IF NOT EXISTS idx_organisations_subtype ON organisations(nhs_trust_subtype);
        CREATE INDEX IF NOT EXISTS idx_recipients_subtype ON recipients(nhs_trust_subtype);
        CREATE INDEX IF NOT EXISTS idx_reports_removed ON reports(removed_at)
            WHERE removed_at IS NOT NULL;
        -- Every organisation a recipient counts under: itself (depth 0) and each successor.
        CREATE VIEW organisation_lineage AS
        WITH RECURSIVE chain(organisation_id, counted_as_id, depth) AS (
            SELECT id, id, 0 FROM organisations
            UNION ALL
            SELECT c.organisation_id, o.successor_id, c.depth + 1
            FROM chain c JOIN organisations o ON o.id = c.counted_as_id
            WHERE o.successor_id IS NOT NULL AND o.successor_id != o.id AND c.depth < 8
        )
        SELECT organisation_id, counted_as_id, depth FROM chain;
        """
    )


def ensure_search_indexes(db: sqlite_utils.Database) -> list[str]:
    """Check each full-text index against its table; rebuild any that drifted. Safe to re-run.

    The triggers keep the indexes in step with every write through sqlite-utils, but a write on a
    plain connection that replaces a row (INSERT OR REPLACE without recursive triggers) skips the
    delete trigger; this repairs that before publishing.
    """
    rebuilt = []
    for table in PUBLISH_FTS:
        fts = f"{table}_fts"
        if fts not in db.table_names():
            continue
        try:
            # rank = 1 also compares the index with the table it indexes
            db.execute(f"INSERT INTO [{fts}]([{fts}], rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            log.warning("full-text index %s drifted from %s: rebuilding it", fts, table)
            db[table].rebuild_fts()
            rebuilt.append(fts)
    return rebuilt


# --- tracking: response status, missing reports, FOI reconciliation ------------------------

# Request-level figures shared by every status roll-up (one row of recipient_status is one
# request for a response). `responses_due`: requests whose deadline has passed.
TRACKING_METRICS = """
    COUNT(DISTINCT report_id) AS reports,
    COUNT(*) AS requests,
    SUM(due_date IS NOT NULL AND due_date < as_of) AS responses_due,
    SUM(status = 'responded') AS responded,
    SUM(status = 'overdue') AS overdue,
    SUM(status = 'pending') AS pending,
    SUM(status = 'unknown') AS unknown,
    ROUND(100.0 * SUM(status = 'responded') / COUNT(*), 1) AS response_rate
"""

TRACKING_REPORT_METRICS = """
    COUNT(*) AS reports,
    SUM(status = 'complete') AS reports_complete,
    SUM(status = 'partial') AS reports_partial,
    SUM(status = 'overdue') AS reports_overdue,
    SUM(status = 'pending') AS reports_pending,
    SUM(status = 'no_recipients') AS reports_no_recipients,
    SUM(status = 'unknown') AS reports_unknown
"""


def _tracking_rollup_by(column: str) -> str:
    """Return SQL for a view of report-level and request-level figures grouped by a column."""
    return f"""
        CREATE VIEW status_by_{column} AS
        WITH by_report AS (
            SELECT {column}, {TRACKING_REPORT_METRICS} FROM report_status GROUP BY {column}
        ), by_request AS (
            SELECT {column}, {TRACKING_METRICS} FROM recipient_status
            WHERE recipient_id != '' GROUP BY {column}
        )
        SELECT a.*, COALESCE(q.requests, 0) AS requests,
               COALESCE(q.responses_due, 0) AS responses_due,
               COALESCE(q.responded, 0) AS responded, COALESCE(q.overdue, 0) AS overdue,
               COALESCE(q.pending, 0) AS pending, COALESCE(q.unknown, 0) AS unknown,
               q.response_rate
        FROM by_report a LEFT JOIN by_request q ON q.{column} IS a.{column};
    """


@migration
def m010_tracking_status(db: sqlite_utils.Database) -> None:
    """Response status per recipient and per report, import-side counts, and roll-ups."""
    db.executescript(
        f"""
        CREATE TABLE imported_reports (
            report_id TEXT REFERENCES reports(id),
            format TEXT,                  -- reports | status: the export layout
            file_name TEXT,
            published_status TEXT,        -- the export's own status (completed | partial ...)
            date_added TEXT,
            sent_to TEXT,                 -- recipients as the export lists them
            sent_to_count INTEGER,
            replies_count INTEGER,        -- response PDFs the export counted (status layout)
            reply_urls_count INTEGER,     -- reply links the export listed (reports layout)
            research_tags TEXT,
            number_of_deceased TEXT,
            date_of_death TEXT,
            age TEXT,
            sex TEXT,
            row_hash TEXT,
            imported_at TEXT,
            PRIMARY KEY (report_id, format)
        );
        CREATE TABLE recipient_status (
            id TEXT PRIMARY KEY,          -- recipient id | import:<report>:<n> | report:<report>
            report_id TEXT REFERENCES reports(id),
            recipient_id TEXT,            -- '' when the report has no known recipient
            recipient_source TEXT,        -- recipients | import | none
            position INTEGER,
            recipient TEXT,
            organisation_id TEXT,
            organisation_name TEXT,
            org_type TEXT,
            nhs_trust_subtype TEXT,
            coroner_area TEXT,
            year INTEGER,
            date_of_report TEXT,
            due_date TEXT,
            due_basis TEXT,               -- stated_deadline | 56_days | none
            status TEXT,                  -- responded | overdue | pending | unknown
            status_basis TEXT,            -- matched | reply_count | date | no_date ...
            days_overdue INTEGER,
            days_left INTEGER,
            response_count INTEGER,
            response_document_ids TEXT,   -- JSON list of documents.id
            as_of TEXT
        );
        CREATE INDEX idx_recipient_status_report ON recipient_status(report_id);
        CREATE INDEX idx_recipient_status_org ON recipient_status(organisation_id);
        CREATE TABLE report_status (
            report_id TEXT PRIMARY KEY REFERENCES reports(id),
            ref TEXT,
            date_of_report TEXT,
            year INTEGER,
            coroner_area TEXT,
            due_date TEXT,
            due_basis TEXT,
            recipients INTEGER,
            recipients_basis TEXT,        -- recipients | import | none
            replies INTEGER,
            replies_basis TEXT,           -- documents | import | none
            matched INTEGER,              -- recipients with a response matched to them
            status TEXT,                  -- complete | partial | overdue | pending
                                          -- | no_recipients | unknown
            days_overdue INTEGER,
            days_left INTEGER,
            published_status TEXT,        -- an imported export's own status, to compare
            as_of TEXT
        );
        CREATE VIEW report_status_summary AS
        SELECT status, COUNT(*) AS reports,
               ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM report_status), 1) AS percent
        FROM report_status GROUP BY status ORDER BY reports DESC;
        CREATE VIEW recipient_status_summary AS
        SELECT status, COUNT(*) AS requests,
               ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM recipient_status
                                         WHERE recipient_id != ''), 1) AS percent
        FROM recipient_status WHERE recipient_id != '' GROUP BY status ORDER BY requests DESC;
        CREATE VIEW status_by_organisation AS
        SELECT NULLIF(organisation_id, '') AS organisation_id,
               MAX(organisation_name) AS organisation_name, MAX(org_type) AS org_type,
               MAX(nhs_trust_subtype) AS nhs_trust_subtype, {TRACKING_METRICS}
        FROM recipient_status WHERE recipient_id != ''
        GROUP BY COALESCE(NULLIF(organisation_id, ''), 'name:' || lower(organisation_name));
        CREATE VIEW status_by_trust_subtype AS
        SELECT nhs_trust_subtype, {TRACKING_METRICS}
        FROM recipient_status WHERE recipient_id != '' AND COALESCE(nhs_trust_subtype, '') != ''
        GROUP BY nhs_trust_subtype;
        -- A request counts under the trust it was sent to (as_sent) and, after a merger,
        -- under each successor (as_successor); `sent_to_name` says which trust it went to.
        CREATE VIEW recipient_trusts AS
        SELECT rs.id AS recipient_status_id, rs.report_id, rs.organisation_id AS sent_to_id,
               sent.name AS sent_to_name, l.counted_as_id AS trust_id, t.name AS trust_name,
               t.nhs_trust_subtype, l.depth,
               CASE WHEN l.depth = 0 THEN 'as_sent' ELSE 'as_successor' END AS basis,
               rs.status, rs.due_date, rs.as_of
        FROM recipient_status rs
        JOIN organisation_lineage l ON l.organisation_id = rs.organisation_id
        JOIN organisations t ON t.id = l.counted_as_id
        JOIN organisations sent ON sent.id = rs.organisation_id
        WHERE t.org_type = 'nhs_trust' OR COALESCE(t.nhs_trust_subtype, '') != '';
        CREATE VIEW status_by_trust AS
        SELECT trust_id, MAX(trust_name) AS trust_name,
               MAX(nhs_trust_subtype) AS nhs_trust_subtype, basis,
               group_concat(DISTINCT CASE WHEN depth > 0 THEN sent_to_name END)
                   AS via_predecessors,
               {TRACKING_METRICS}
        FROM recipient_trusts GROUP BY trust_id, basis;
        {_tracking_rollup_by("coroner_area")}
        {_tracking_rollup_by("year")}
        """
    )


@migration
def m011_tracking_missing(db: sqlite_utils.Database) -> None:
    """Gaps in each year's ref sequence, removed reports and broken document links."""
    db.executescript(
        """
        CREATE TABLE ref_gaps (
            year INTEGER,
            number INTEGER,
            ref TEXT,
            cause TEXT,                   -- never_seen | removed | malformed_only
            report_ids TEXT,              -- JSON: reports behind a removed/malformed sighting
            raw_refs TEXT,                -- JSON: the malformed forms that point here
            PRIMARY KEY (year, number)
        );
        CREATE TABLE ref_gap_years (
            year INTEGER PRIMARY KEY,
            max_number INTEGER,
            present INTEGER,              -- numbers held by a live report with a clean ref
            gaps INTEGER,
            never_seen INTEGER,
            removed INTEGER,
            malformed_only INTEGER,
            variant_refs INTEGER,         -- live reports whose ref was written askew
            malformed_refs INTEGER,       -- reports whose ref could only be guessed
            shared_refs INTEGER,          -- refs held by more than one live report
            outlier_refs TEXT             -- JSON: numbers far above the rest (typos), ignored
        );
        CREATE VIEW removed_reports AS
        SELECT r.id AS report_id, r.ref, r.date_of_report, r.deceased_name, r.coroner_area,
               r.url, r.first_seen_at, r.last_seen_at, r.removed_at,
               (SELECT COUNT(*) FROM documents d WHERE d.report_id = r.id) AS documents
        FROM reports r WHERE r.removed_at IS NOT NULL;
        CREATE VIEW broken_documents AS
        SELECT d.id AS document_id, d.report_id, r.ref, r.deceased_name, d.kind, d.url,
               d.http_status, d.error, d.fetched_at, r.url AS report_url
        FROM documents d LEFT JOIN reports r ON r.id = d.report_id
        WHERE d.http_status >= 400 OR COALESCE(d.error, '') != '';
        CREATE VIEW reports_with_broken_documents AS
        SELECT report_id, ref, deceased_name, report_url, COUNT(*) AS broken,
               SUM(kind = 'report') AS broken_reports, SUM(kind = 'response') AS broken_responses
        FROM broken_documents GROUP BY report_id;
        """
    )


@migration
def m012_tracking_foi(db: sqlite_utils.Database) -> None:
    """FOI lists of reports an organisation says it received, and their reconciliation."""
    db.executescript(
        """
        CREATE TABLE foi_lists (
            id TEXT PRIMARY KEY,          -- stable_id(organisation, file sha256)
            organisation TEXT,            -- as given on the command line
            organisation_id TEXT,         -- register match, if any
            organisation_match TEXT,      -- exact | alias | fuzzy | none
            file_name TEXT,
            sha256 TEXT,
            sheet TEXT,
            columns TEXT,                 -- JSON: field -> header found in the file
            entries INTEGER,
            date_from TEXT,               -- window compared for "not located"
            date_to TEXT,
            matched INTEGER,
            missing_from_site INTEGER,
            not_located INTEGER,
            imported_at TEXT
        );
        CREATE TABLE foi_entries (
            id TEXT PRIMARY KEY,          -- stable_id(list_id, row number)
            list_id TEXT REFERENCES foi_lists(id),
            row_number INTEGER,
            deceased_name TEXT,
            name_key TEXT,
            date_raw TEXT,
            date TEXT,
            ref_raw TEXT,
            ref TEXT,
            raw TEXT                      -- JSON of the whole row
        );
        CREATE INDEX idx_foi_entries_list ON foi_entries(list_id);
        CREATE TABLE foi_results (
            list_id TEXT REFERENCES foi_lists(id),
            kind TEXT,                    -- matched | missing_from_site | not_located
            entry_id TEXT,                -- '' for not_located
            report_id TEXT,               -- '' for missing_from_site
            method TEXT,                  -- ref | ref_name | name_date | name | recipient ...
            score REAL,
            detail TEXT,
            PRIMARY KEY (list_id, kind, entry_id, report_id)
        );
        CREATE VIEW foi_reconciliation AS
        SELECT l.organisation, res.list_id, res.kind, res.method, res.score, res.detail,
               e.row_number, e.deceased_name AS foi_name, e.date AS foi_date, e.ref AS foi_ref,
               r.id AS report_id, r.ref, r.deceased_name, r.date_of_report, r.url
        FROM foi_results res
        JOIN foi_lists l ON l.id = res.list_id
        LEFT JOIN foi_entries e ON e.id = res.entry_id
        LEFT JOIN reports r ON r.id = res.report_id;
        """
    )


# --- opening and shaping -------------------------------------------------------------------


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block as one transaction that takes the write lock first (BEGIN IMMEDIATE).

    Crawl workers share the store: a transaction that read first and wrote second could find
    the snapshot it read already stale and fail; taking the lock up front makes it wait instead.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


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


# --- fast row access for the crawler's hot path -------------------------------------------
# sqlite-utils' Table.get/insert/update read the table's shape (PRAGMA table_info, the table
# list) on every call; the crawler writes several rows per page, so its paths use plain SQL.


def fetch_row(db: sqlite_utils.Database, table: str, key: Any) -> dict[str, Any] | None:
    """Return the row of `table` whose id is `key`, or None."""
    cursor = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [key])
    found = cursor.fetchone()
    if found is None:
        return None
    return dict(zip((c[0] for c in cursor.description), found, strict=True))


def insert_row(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> None:
    """Insert one row whose columns all exist."""
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(row.values()))


def changed_columns(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Return the columns of `new` whose values differ from the stored row `old`."""
    return {k: v for k, v in new.items() if old.get(k) != v}


def update_row(db: sqlite_utils.Database, table: str, key: Any, values: dict[str, Any]) -> None:
    """Set some columns of the row whose id is `key`."""
    if values:
        assignments = ", ".join(f"[{c}] = ?" for c in values)
        db.execute(f"UPDATE [{table}] SET {assignments} WHERE id = ?", [*values.values(), key])


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
    new = _report_row(report)
    old = fetch_row(db, "reports", report.id)
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
        insert_row(db, "reports", new)
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
    update_row(db, "reports", report.id, changed_columns(old, merged))
    return "updated" if changed else "unchanged"


def upsert_documents(
    db: sqlite_utils.Database, documents: Iterable[Document], seen_at: str | None = None
) -> int:
    """Insert or refresh document links without touching their fetched-file columns."""
    seen_at = seen_at or now_iso()
    count = 0
    for doc in documents:
        row = doc.to_row()
        old = fetch_row(db, "documents", doc.id)
        if old is None:
            row.update(first_seen_at=seen_at, removed_at=None)
            insert_row(db, "documents", row)
            count += 1
        else:
            merged = merge_keep_better(old, row)
            update_row(db, "documents", doc.id, changed_columns(old, merged))
    return count


def record_file(db: sqlite_utils.Database, fetched: FetchedFile) -> str:
    """Attach a downloaded body to its document; return 'new', 'updated' or 'unchanged'.

    Every distinct body is kept in ``document_versions``: a changed file never loses the old.
    """
    known = db.execute(
        "SELECT 1 FROM document_versions WHERE document_id = ? AND sha256 = ? LIMIT 1",
        [fetched.document_id, fetched.sha256],
    ).fetchone()
    if not known:
        insert_row(
            db,
            "document_versions",
            {
                "document_id": fetched.document_id,
                "sha256": fetched.sha256,
                "path": fetched.path,
                "size": fetched.size,
                "content_type": fetched.content_type,
                "fetched_at": fetched.fetched_at or now_iso(),
            },
        )
    doc = fetch_row(db, "documents", fetched.document_id)
    previous = doc.get("sha256") if doc else None
    if doc is not None:
        update_row(
            db,
            "documents",
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
    insert_row(
        db,
        "errors",
        {
            "run_id": error.run_id,
            "stage": error.stage,
            "kind": error.kind,
            "url": error.url,
            "report_id": error.report_id,
            "message": error.message,
            "created_at": now_iso(),
        },
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


# --- crawler: validators for conditional re-checks ----------------------------------------


@migration
def m030_crawler_conditional(db: sqlite_utils.Database) -> None:
    """Each document's ETag/Last-Modified, so re-checking an unchanged file costs a 304."""
    db.executescript(
        """
        ALTER TABLE documents ADD COLUMN etag TEXT;
        ALTER TABLE documents ADD COLUMN last_modified TEXT;
        ALTER TABLE documents ADD COLUMN checked_at TEXT;
        CREATE INDEX IF NOT EXISTS idx_documents_url ON documents(url);
        CREATE INDEX IF NOT EXISTS idx_errors_url ON errors(url);
        """
    )


def touch_report(
    db: sqlite_utils.Database,
    report_id: str,
    seen_at: str,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """Record that a report page was seen unchanged (a 304): refresh last_seen_at and validators."""
    values: dict[str, Any] = {"last_seen_at": seen_at, "removed_at": None}
    if etag:
        values["etag"] = etag
    if last_modified:
        values["last_modified"] = last_modified
    update_row(db, "reports", report_id, values)


def record_document_check(
    db: sqlite_utils.Database,
    document_id: str,
    checked_at: str,
    http_status: int | None,
    etag: str | None = None,
    last_modified: str | None = None,
    error: str | None = None,
    keep_error: bool = False,
) -> None:
    """Store a document's validators and the outcome of its latest fetch.

    The error column is replaced by `error` unless keep_error (a 304 says nothing new).
    """
    values: dict[str, Any] = {"checked_at": checked_at}
    if not keep_error:
        values["error"] = error
    if http_status is not None:
        values["http_status"] = http_status
    if etag:
        values["etag"] = etag
    if last_modified:
        values["last_modified"] = last_modified
    update_row(db, "documents", document_id, values)


def add_error_once(db: sqlite_utils.Database, error: ErrorRow) -> bool:
    """Add an error row unless the same stage/kind/url/message is already recorded."""
    seen = db.execute(
        "SELECT 1 FROM errors WHERE url = ? AND stage = ? AND kind = ? AND message = ? LIMIT 1",
        [error.url, error.stage, error.kind, error.message],
    ).fetchone()
    if seen:
        return False
    add_error(db, error)
    return True


# --- recipients: audit columns for organisation and response matching ---------------------


@migration
def m040_recipients_audit(db: sqlite_utils.Database) -> None:
    """Say what each recipient and response match was made on, so a person can check it."""
    db.executescript(
        """
        ALTER TABLE recipients ADD COLUMN matched_on TEXT;   -- register name, alias or rule
        ALTER TABLE responses ADD COLUMN evidence TEXT;      -- the text the match was made from
        ALTER TABLE responses ADD COLUMN matched_on TEXT;    -- what in the recipient it matched
        """
    )


# --- publishing: indexes the canned queries lean on ---------------------------------------


@migration
def m050_publish_indexes(db: sqlite_utils.Database) -> None:
    """Covering indexes for the roll-ups by trust subtype and by year that Datasette serves."""
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS idx_recipient_status_subtype
            ON recipient_status(nhs_trust_subtype, report_id);
        CREATE INDEX IF NOT EXISTS idx_reports_year
            ON reports(date_of_report, ref, removed_at, id);
        CREATE INDEX IF NOT EXISTS idx_recipient_status_as_of ON recipient_status(as_of);
        """
    )


# --- themes, topics and the category audit: what a reader needs to judge them -------------


@migration
def m060_themes_topics_audit(db: sqlite_utils.Database) -> None:
    """Say what each topic's concerns were themed as, and what text an audit flag rests on."""
    db.executescript(
        """
        ALTER TABLE topics ADD COLUMN nearest_theme TEXT;    -- theme most often on its concerns
        ALTER TABLE topics ADD COLUMN theme_share REAL;      -- share of concerns with that theme
        ALTER TABLE topics ADD COLUMN unthemed_share REAL;   -- share with no theme: a gap?
        ALTER TABLE category_audit ADD COLUMN evidence TEXT; -- the phrase a rule matched
        CREATE INDEX IF NOT EXISTS idx_category_audit_flag ON category_audit(flag);
        CREATE INDEX IF NOT EXISTS idx_report_themes_theme ON report_themes(theme_id);
        CREATE INDEX IF NOT EXISTS idx_concern_themes_theme ON concern_themes(theme_id);
        CREATE INDEX IF NOT EXISTS idx_report_topics_topic ON report_topics(topic_id);
        """
    )


# --- full-text triggers that fire only when indexed text changes ---------------------------


def fts_update_trigger(table: str, columns: list[str]) -> str:
    """Return the SQL of an update trigger that re-indexes a row only when its text changes."""
    fts = f"{table}_fts"
    cols = ", ".join(f"[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    return f"""
        DROP TRIGGER IF EXISTS [{table}_au];
        CREATE TRIGGER [{table}_au] AFTER UPDATE OF {cols} ON [{table}] BEGIN
          INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES ('delete', old.rowid, {old});
          INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new});
        END;
    """


@migration
def m070_fts_update_of_text(db: sqlite_utils.Database) -> None:
    """Re-index a row on updates of its indexed columns only, not of last_seen_at or etag."""
    for table, columns in PUBLISH_FTS.items():
        if f"{table}_fts" in db.table_names():
            db.executescript(fts_update_trigger(table, columns))
