"""Every canned query runs against the fixture store and returns the rows the fixture implies."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from tests.datasette_fixture import AS_OF, build_fixture_db
from tracker.serve import build_datasette, load_metadata

QUERIES = load_metadata()["databases"]["pdt"]["queries"]


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    """Datasette over the fixture store, configured as `pdt serve` configures it."""
    path = build_fixture_db(tmp_path_factory.mktemp("published") / "pdt.db")
    return build_datasette(path)


def run(ds, name: str, **params) -> list[dict]:
    """Run a canned query through Datasette's JSON API and return its rows."""
    response = asyncio.run(
        ds.client.get(f"/pdt/{name}.json", params={**params, "_shape": "objects"})
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body.get("ok", True), body
    return body["rows"]


def test_every_canned_query_runs_with_blank_parameters(ds):
    for name in QUERIES:
        run(ds, name)


def test_every_query_has_a_title_and_a_description():
    for name, query in QUERIES.items():
        assert query.get("title"), name
        assert query.get("description_html") or query.get("description"), name


def test_search_reports_finds_section_text_and_stems(ds):
    rows = run(ds, "search_reports", q="ligatures")
    assert [r["ref"] for r in rows] == ["2019-0001"]
    assert "[[ligature]]" in rows[0]["snippet"]
    assert set(rows[0]["found_in"].split(",")) == {"circumstances", "concerns"}


def test_search_reports_finds_page_fields(ds):
    rows = run(ds, "search_reports", q="Borsetshire")
    assert {r["ref"] for r in rows} == {"2022-0300", "2023-0050"}


def test_search_reports_accepts_punctuation_and_blank(ds):
    assert run(ds, "search_reports", q='sepsis "surgical ward" -') != []
    assert run(ds, "search_reports", q="") == []


def test_search_responses_searches_letters_and_filters_by_organisation(ds):
    rows = run(ds, "search_responses", q="escalate")
    assert [r["ref"] for r in rows] == ["2021-0101"]
    assert rows[0]["response_pdf"].endswith("brian-jones-Response-from-trust.pdf")
    assert run(ds, "search_responses", q="escalate", organisation="Hospitals") == []


def overdue_days(due: date, as_of: date) -> int:
    """Return days past a due date."""
    return (as_of - due).days


def test_outstanding_responses_for_a_trust_and_its_predecessor(ds):
    rows = run(ds, "outstanding_responses", organisation="Northshire and Vale", as_of="2022-01-01")
    george = overdue_days(date(2019, 11, 26), date(2022, 1, 1))
    assert [(r["ref"], r["status"], r["days_overdue"], r["basis"]) for r in rows] == [
        (
            "2019-0004",
            "overdue",
            george,
            "sent to predecessor Northshire Partnership NHS Foundation Trust",
        ),
        ("2021-0101", "overdue", 144, "sent directly"),
    ]
    # The predecessor itself lists only what was sent to it.
    rows = run(ds, "outstanding_responses", organisation="Partnership", as_of="2022-01-01")
    assert [(r["ref"], r["organisation_id"], r["basis"]) for r in rows] == [
        ("2019-0004", "rx1", "sent directly")
    ]


def test_outstanding_responses_move_from_pending_to_overdue_with_the_date(ds):
    rows = run(ds, "outstanding_responses", organisation="Vale", as_of="2021-07-01")
    assert [(r["ref"], r["status"], r["days_overdue"]) for r in rows] == [
        ("2019-0004", "overdue", overdue_days(date(2019, 11, 26), date(2021, 7, 1))),
        ("2021-0101", "pending", None),
    ]
    # A report dated after the as-of date is left out; a response counts whenever published.
    assert run(ds, "outstanding_responses", organisation="Vale", as_of="2019-09-30") == []


def test_outstanding_responses_default_to_the_analysis_date(ds):
    rows = run(ds, "outstanding_responses", subtype="ambulance")
    assert [(r["ref"], r["status"]) for r in rows] == [("2023-0050", "overdue")]
    assert rows[0]["as_of"] == AS_OF.isoformat()
    assert rows[0]["days_overdue"] == overdue_days(date(2023, 6, 27), AS_OF)


def test_outstanding_responses_without_a_name_list_each_request_once(ds):
    rows = run(ds, "outstanding_responses", as_of="2022-01-01")
    assert sorted(r["ref"] for r in rows) == ["2019-0001", "2019-0004", "2021-0101"]
    assert all(r["basis"] == "sent directly" for r in rows)


def test_response_rate_by_subtype(ds):
    rows = {r["nhs_trust_subtype"]: r for r in run(ds, "response_rate_by_subtype")}
    assert set(rows) == {"mental_health", "ambulance", "acute"}
    mh = rows["mental_health"]
    assert (mh["requests"], mh["responded"], mh["overdue"], mh["unknown"]) == (5, 1, 3, 1)
    assert (mh["response_rate"], mh["responded_of_due_pct"]) == (20.0, 25.0)
    # The day after the first report, nothing was due yet.
    early = run(ds, "response_rate_by_subtype", as_of="2019-03-02")
    assert [(r["nhs_trust_subtype"], r["responded"], r["pending"]) for r in early] == [
        ("mental_health", 1, 0)
    ]


def test_response_rate_by_trust_as_sent_and_under_successor(ds):
    rows = {
        r["organisation_id"]: r for r in run(ds, "response_rate_by_trust", subtype="mental_health")
    }
    assert set(rows) == {"rx1", "rx2"}
    old, new = rows["rx1"], rows["rx2"]
    assert old["merged_into"] == "Northshire and Vale Mental Health NHS Foundation Trust"
    assert (old["requests_as_sent"], old["response_rate_as_sent"]) == (2, 50.0)
    assert (new["requests_as_sent"], new["responded_as_sent"]) == (3, 0)
    assert (new["requests_with_predecessors"], new["responded_with_predecessors"]) == (5, 1)
    assert new["response_rate_with_predecessors"] == 20.0
    assert new["predecessors_counted"] == "Northshire Partnership NHS Foundation Trust"


def test_reports_per_year(ds):
    rows = run(ds, "reports_per_year")
    assert [(r["year"], r["reports"], r["removed_from_site"]) for r in rows] == [
        ("2019", 2, 0),
        ("2021", 1, 0),
        ("2022", 1, 0),
        ("2023", 2, 1),
    ]


def test_reports_per_year_by_subtype(ds):
    rows = run(ds, "reports_per_year_by_subtype", subtype="ambulance")
    assert [(r["year"], r["reports"]) for r in rows] == [(2021, 1), (2023, 1)]
    everything = run(ds, "reports_per_year_by_subtype")
    assert {r["nhs_trust_subtype"] for r in everything} == {"mental_health", "ambulance", "acute"}


def test_themes_by_subtype(ds):
    rows = run(ds, "themes_by_subtype", subtype="ambulance")
    assert [(r["theme_id"], r["reports"], r["pct_of_subtype_reports"]) for r in rows] == [
        ("ambulance_delay", 2, 100.0),
        ("road_design", 1, 50.0),
    ]


def test_missing_refs(ds):
    years = run(ds, "missing_refs_by_year")
    assert [(r["year"], r["gaps"], r["gaps_pct"]) for r in years] == [
        (2019, 2, 50.0),
        (2023, 1, 2.0),
    ]
    assert [r["ref"] for r in run(ds, "missing_refs_in_year", year="2019")] == [
        "2019-0002",
        "2019-0003",
    ]


def test_reports_removed_from_site(ds):
    rows = run(ds, "reports_removed_from_site")
    assert [(r["ref"], r["removed_at"]) for r in rows] == [("2023-0051", "2024-01-10")]


def test_foi_reconciliation_for_organisation(ds):
    rows = run(ds, "foi_reconciliation_for_organisation", organisation="Vale")
    assert [r["kind"] for r in rows] == ["missing_from_site", "not_located", "matched"]
    assert (
        run(ds, "foi_reconciliation_for_organisation", organisation="Vale", kind="matched")[0][
            "ref"
        ]
        == "2021-0101"
    )
    assert run(ds, "foi_reconciliation_for_organisation", organisation="Nobody") == []


def test_category_audit(ds):
    rows = run(ds, "category_audit_review", flag="other_but_predicted")
    assert [r["ref"] for r in rows] == ["2023-0051"]
    assert len(run(ds, "category_audit_review", category="Suicide")) == 1
    summary = {r["flag"]: r["reports"] for r in run(ds, "category_audit_summary")}
    assert summary == {"ok": 2, "other_but_predicted": 1}


def test_organisations_overview_links_to_pages(ds):
    rows = run(ds, "organisations_overview", subtype="mental_health")
    assert [r["organisation_id"] for r in rows] == ["rx2", "rx1"]
    html = asyncio.run(ds.client.get("/pdt/organisations_overview?subtype=mental_health")).text
    assert 'href="/-/organisation/rx2"' in html
