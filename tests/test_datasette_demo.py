"""The published site over the demo store: the whole pipeline's output, not a hand-made fixture.

Builds the demo (the bundled fictional sample site, served on loopback, every stage run) once,
then runs every canned query, a search for text taken from the store, and the organisation page
of the trust with most requests. Slow (a whole pipeline run), so marked `slow`.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
import sqlite_utils
from markupsafe import escape

from tracker.config import load_config
from tracker.serve import build_datasette, load_metadata, prepare_database

pytestmark = pytest.mark.slow

QUERIES = load_metadata()["databases"]["pdt"]["queries"]
DEMO_AS_OF = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Build the demo store and return (Datasette over it, the store)."""
    demo_module = pytest.importorskip("tracker.demo")
    config = load_config(tmp_path_factory.mktemp("demo"))
    demo_module.run_demo(config, as_of=DEMO_AS_OF, quiet=True)
    prepare_database(config.db_path)
    return build_datasette(config.db_path), config.db_path


def get_json(ds, path: str, **params):
    response = asyncio.run(ds.client.get(path, params={**params, "_shape": "objects"}))
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_every_canned_query_answers_on_the_demo(demo):
    ds, _ = demo
    for name in QUERIES:
        body = get_json(ds, f"/pdt/{name}.json")
        assert body.get("ok", True), (name, body.get("error"))


def test_status_queries_agree_with_the_analysis(demo):
    ds, store = demo
    db = sqlite_utils.Database(store)
    expected = {
        r["nhs_trust_subtype"]: (r["requests"], r["responded"], r["overdue"])
        for r in db.query("SELECT * FROM status_by_trust_subtype")
    }
    rows = get_json(ds, "/pdt/response_rate_by_subtype.json")["rows"]
    got = {r["nhs_trust_subtype"]: (r["requests"], r["responded"], r["overdue"]) for r in rows}
    assert got == expected
    assert all(r["as_of"] == DEMO_AS_OF.isoformat() for r in rows)


def test_search_finds_a_reports_own_words(demo):
    ds, store = demo
    db = sqlite_utils.Database(store)
    row = next(
        db.query(
            "SELECT s.report_id, s.text, r.ref FROM sections s JOIN reports r ON r.id = s.report_id"
            " WHERE s.name = 'concerns' AND length(s.text) > 80 ORDER BY s.report_id LIMIT 1"
        ),
        None,
    )
    if row is None:
        pytest.skip("the demo store has no concerns section to search for")
    words = [w for w in row["text"].split() if w.isalpha() and len(w) > 6][:3]
    rows = get_json(ds, "/pdt/search_reports.json", q=" ".join(words))["rows"]
    assert row["ref"] in [r["ref"] for r in rows]


def test_busiest_trust_has_a_page(demo):
    ds, store = demo
    db = sqlite_utils.Database(store)
    busiest = next(
        db.query(
            "SELECT organisation_id AS id, COUNT(*) AS n FROM recipient_status"
            " WHERE organisation_id > '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        ),
        None,
    )
    if busiest is None:
        pytest.skip("the demo store matched no recipient to an organisation")
    body = get_json(ds, f"/-/organisation/{busiest['id']}", _format="json")
    assert body["summary"]["requests"] >= busiest["n"]
    html = asyncio.run(ds.client.get(f"/-/organisation/{busiest['id']}")).text
    assert str(escape(body["organisation"]["name"])) in html
