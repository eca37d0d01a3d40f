"""The full-text indexes follow every write, and drift is repaired before publishing."""

from __future__ import annotations

import sqlite3

from tracker.db import PUBLISH_FTS, ensure_search_indexes, open_db
from tracker.serve import prepare_database

SEARCH = "SELECT count(*) FROM sections_fts WHERE sections_fts MATCH ?"


def matches(db, table: str, term: str) -> list:
    """Return the rowids a full-text search finds."""
    sql = f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? ORDER BY rowid"
    return [r[0] for r in db.execute(sql, [term]).fetchall()]


def test_every_published_text_table_has_an_index(db):
    for table in PUBLISH_FTS:
        assert db[table].detect_fts() == f"{table}_fts"


def test_indexes_follow_inserts_updates_and_deletes(db):
    db["reports"].insert({"id": "r1", "url": "u", "deceased_name": "Ada Lovelace"})
    db["sections"].insert({"report_id": "r1", "name": "concerns", "text": "Ligatures on wards"})
    db["response_details"].insert({"document_id": "d1", "report_id": "r1", "text": "We train"})
    assert matches(db, "sections", "ligature") == [1]  # stemmed
    assert matches(db, "reports", "lovelace") == [1]
    db["sections"].upsert(
        {"report_id": "r1", "name": "concerns", "text": "Staffing levels"}, pk=("report_id", "name")
    )
    assert matches(db, "sections", "ligature") == [] and matches(db, "sections", "staffing") == [1]
    db["response_details"].delete("d1")
    assert matches(db, "response_details", "train") == []


def test_drift_from_a_replacing_write_is_repaired(tmp_path):
    path = tmp_path / "pdt.db"
    db = open_db(path)
    db["sections"].insert({"report_id": "r1", "name": "concerns", "text": "Sepsis missed"})
    db.close()
    # On a plain connection INSERT OR REPLACE skips the delete trigger: old words stay indexed.
    plain = sqlite3.connect(path)
    plain.execute(
        "INSERT OR REPLACE INTO sections (report_id, name, text) VALUES ('r1', 'concerns', 'Falls')"
    )
    plain.commit()
    assert plain.execute(SEARCH, ["sepsis"]).fetchone() == (1,)
    plain.close()
    prepare_database(path)
    published = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    assert published.execute(SEARCH, ["sepsis"]).fetchone() == (0,)
    assert published.execute(SEARCH, ["falls"]).fetchone() == (1,)
    assert ensure_search_indexes(open_db(path)) == []
