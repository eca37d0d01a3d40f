"""The store: migrations upgrade in place, and upserts are idempotent."""

from __future__ import annotations

import sqlite_utils

from tracker import db as store
from tracker.models import Document, ErrorRow, FetchedFile, Report, stable_id


def make_report(**overrides) -> Report:
    base = dict(
        id="ada-lovelace-prevention-of-future-deaths-report",
        url="https://www.judiciary.uk/prevention-of-future-death-reports/"
        "ada-lovelace-prevention-of-future-deaths-report/",
        ref="2024-0001",
        ref_raw="2024-0001",
        date_of_report="2024-01-05",
        date_of_report_raw="05/01/2024",
        deceased_name="Ada Lovelace",
        coroner_name="A. Coroner",
        coroner_area="Inner North London",
        categories=["Suicide (from 2015)", "Mental Health related deaths"],
        recipients_raw="Chief Executive, Example NHS Trust",
    )
    base.update(overrides)
    return Report(**base)


def test_fresh_database_has_every_migration(db):
    names = [name for name, _ in store.MIGRATIONS]
    assert store.applied_migrations(db) == names
    assert {"reports", "documents", "document_versions", "crawl_runs", "errors"} <= set(
        db.table_names()
    )


def test_old_schema_upgrades_in_place_keeping_rows(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    store.ensure_db_shape(old, migrations=store.MIGRATIONS[:1])
    assert "sections" not in old.table_names()
    store.upsert_report(old, make_report(), seen_at="2024-02-01T00:00:00+00:00")
    old.close()

    upgraded = store.open_db(path)
    assert store.applied_migrations(upgraded) == [name for name, _ in store.MIGRATIONS]
    assert "sections" in upgraded.table_names()
    assert upgraded["reports"].get(make_report().id)["deceased_name"] == "Ada Lovelace"
    assert store.ensure_db_shape(upgraded) == []


def test_upsert_report_is_idempotent(db):
    report = make_report()
    assert store.upsert_report(db, report, seen_at="2024-02-01T00:00:00+00:00") == "new"
    first = db["reports"].get(report.id)
    assert store.upsert_report(db, report, seen_at="2024-03-01T00:00:00+00:00") == "unchanged"
    second = db["reports"].get(report.id)
    assert db["reports"].count == 1
    assert second["content_hash"] == first["content_hash"]
    assert second["last_changed_at"] == first["last_changed_at"]


def test_changed_report_is_updated(db):
    store.upsert_report(db, make_report())
    changed = make_report(recipients_raw="Example NHS Trust; Department of Health and Social Care")
    assert store.upsert_report(db, changed) == "updated"
    assert "Department of Health" in db["reports"].get(changed.id)["recipients_raw"]


def test_worse_data_never_overwrites_stored_fields(db):
    store.upsert_report(db, make_report())
    broken = make_report(ref=None, ref_raw="", recipients_raw="", categories=[])
    assert store.upsert_report(db, broken) == "unchanged"
    row = db["reports"].get(broken.id)
    assert row["ref"] == "2024-0001"
    assert row["recipients_raw"].startswith("Chief Executive")
    assert "Suicide" in row["categories"]


def test_removed_report_is_kept_and_marked(db):
    report = make_report()
    store.upsert_report(db, report)
    assert store.mark_removed(db, [report.id], "2025-01-01") == 1
    assert db["reports"].get(report.id)["removed_at"] == "2025-01-01"
    store.upsert_report(db, report)
    assert db["reports"].get(report.id)["removed_at"] is None


def _document(report: Report) -> Document:
    url = "https://www.judiciary.uk/wp-content/uploads/2024/01/2024-0001-Response-from-X.pdf"
    return Document(
        id=stable_id(report.id, url),
        report_id=report.id,
        url=url,
        kind="response",
        file_name=url.rsplit("/", 1)[1],
        org_hint="X",
    )


def test_file_versions_are_kept_when_a_document_changes(db):
    report = make_report()
    store.upsert_report(db, report)
    doc = _document(report)
    assert store.upsert_documents(db, [doc]) == 1
    assert store.upsert_documents(db, [doc]) == 0
    first = FetchedFile(doc.id, doc.url, "a" * 64, "files/aa/a.pdf", 10, "application/pdf")
    second = FetchedFile(doc.id, doc.url, "b" * 64, "files/bb/b.pdf", 12, "application/pdf")
    assert store.record_file(db, first) == "new"
    assert store.record_file(db, first) == "unchanged"
    assert store.record_file(db, second) == "updated"
    assert db["document_versions"].count == 2
    assert db["documents"].get(doc.id)["sha256"] == "b" * 64


def test_errors_and_runs_are_recorded(db):
    run_id = store.start_run(db, "full", "http://127.0.0.1:1", "2026-11-24", {"limit": 5})
    store.add_error(db, ErrorRow(stage="crawl", message="no PDF", url="u", run_id=run_id))
    store.finish_run(db, run_id, {"new": 1, "failed": 1}, "ok")
    run = db["crawl_runs"].get(run_id)
    assert run["status"] == "ok" and run["failed"] == 1
    assert db["errors"].count == 1
    counts = store.table_counts(db)
    assert counts["errors"] == 1 and counts["crawl_runs"] == 1


def _search(db, words: str) -> list[str]:
    sql = "SELECT r.id FROM reports_fts JOIN reports r ON r.rowid = reports_fts.rowid"
    return [row[0] for row in db.execute(sql + " WHERE reports_fts MATCH ?", [words]).fetchall()]


def test_search_index_follows_text_changes_and_ignores_bookkeeping(db):
    report = make_report(page_text="the level crossing barrier failed")
    store.upsert_report(db, report)
    store.touch_report(db, report.id, "2026-01-02T00:00:00+00:00", etag='"e2"')
    assert _search(db, "crossing") == [report.id]
    store.upsert_report(db, make_report(page_text="a ligature point on the ward"))
    assert _search(db, "ligature") == [report.id] and _search(db, "crossing") == []
    assert store.ensure_search_indexes(db) == []
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'reports_au'").fetchone()[0]
    assert "AFTER UPDATE OF" in trigger and "last_seen_at" not in trigger
