"""Pages and JSON through Datasette's own test client: tables, search, organisations, charts."""

from __future__ import annotations

import asyncio
import importlib.util
import re
from datetime import date

import pytest

from tests.datasette_fixture import AS_OF, build_fixture_db
from tracker.serve import DATASETTE_DIR, build_datasette


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    """Datasette over the fixture store, configured as `pdt serve` configures it."""
    path = build_fixture_db(tmp_path_factory.mktemp("published") / "pdt.db")
    return build_datasette(path)


def get(ds, path: str, **params):
    """GET a path from the in-process Datasette."""
    return asyncio.run(ds.client.get(path, params=params or None))


def load_plugin(name: str):
    """Import one of datasette/plugins/*.py as a module."""
    spec = importlib.util.spec_from_file_location(name, DATASETTE_DIR / "plugins" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_home_page_shows_licence_attribution_and_ways_in(ds):
    html = get(ds, "/").text
    assert "Preventable Deaths Tracker" in html
    assert "Open Government Licence v3.0" in html
    assert "Attribution:" in html
    assert 'action="/pdt/search_reports"' in html and 'action="/pdt/search_responses"' in html
    assert 'href="/-/charts"' in html


def test_reports_table_has_default_facets_and_newest_first(ds):
    body = get(ds, "/pdt/reports.json", _shape="objects").json()
    assert {"coroner_area", "categories"} <= set(body["facet_results"])
    areas = {f["value"]: f["count"] for f in body["facet_results"]["coroner_area"]["results"]}
    assert areas["Borsetshire"] == 2
    dates = [r["date_of_report"] for r in body["rows"] if r["date_of_report"]]
    assert dates == sorted(dates, reverse=True)


def test_table_search_covers_reports_sections_and_responses(ds):
    reports = get(ds, "/pdt/reports.json", _search="Borsetshire", _shape="objects").json()
    assert {r["ref"] for r in reports["rows"]} == {"2022-0300", "2023-0050"}
    sections = get(ds, "/pdt/sections.json", _search="sepsis", _shape="objects").json()
    assert {r["report_id"] for r in sections["rows"]} == {"carol-white"}
    letters = get(ds, "/pdt/response_details.json", _search="ligature", _shape="objects").json()
    assert [r["report_id"] for r in letters["rows"]] == ["anna-smith"]


def test_foreign_keys_are_labelled(ds):
    rows = get(ds, "/pdt/recipients.json", _labels="on", _shape="objects").json()["rows"]
    labels = {
        r["organisation_id"]["value"]: r["organisation_id"]["label"]
        for r in rows
        if r["organisation_id"]
    }
    assert labels["rx1"] == "Northshire Partnership NHS Foundation Trust"
    themes = get(ds, "/pdt/report_themes.json", _labels="on", _shape="objects").json()["rows"]
    assert {"value": "sepsis", "label": "Sepsis recognition"} in [r["theme_id"] for r in themes]


def test_organisation_page_lists_overdue_responses_with_days_and_pdfs(ds):
    html = get(ds, "/-/organisation/rx2", as_of="2022-01-01").text
    assert "Northshire and Vale Mental Health NHS Foundation Trust" in html
    overdue = html[html.index('id="overdue"') : html.index('id="reports"')]
    george = (date(2022, 1, 1) - date(2019, 11, 26)).days
    cells = re.findall(r'<td class="pdt-days">(\d+)</td>', overdue)
    assert cells == [str(george), "144"]
    assert "(predecessor)" in overdue
    assert "/wp-content/uploads/2021/06/brian-jones-Prevention-of-future-deaths-report.pdf" in html
    assert "/wp-content/uploads/2019/05/anna-smith-Response-from-trust.pdf" in html
    assert "Missed observations" in html


def test_organisation_json_counts_statuses_as_of_a_date(ds):
    body = get(ds, "/-/organisation/rx2", as_of="2022-01-01", _format="json").json()
    assert body["as_of"] == "2022-01-01"
    assert [p["id"] for p in body["predecessors"]] == ["rx1"]
    summary = body["summary"]
    assert (summary["requests"], summary["responded"], summary["overdue"]) == (4, 1, 2)
    assert summary["unknown"] == 1  # the undated report
    assert summary["response_rate"] == 25.0
    default = get(ds, "/-/organisation/rx2", _format="json").json()
    assert default["as_of"] == AS_OF.isoformat()
    assert default["summary"]["requests"] == 5


def test_organisation_page_errors(ds):
    assert get(ds, "/-/organisation/nobody").status_code == 404
    assert get(ds, "/-/organisation/rx2", as_of="yesterday").status_code == 400


def test_organisation_names_link_to_their_page(ds):
    html = get(ds, "/pdt/organisations").text
    assert '<a href="/-/organisation/rx1">Northshire Partnership NHS Foundation Trust</a>' in html


def test_charts_page_draws_canned_query_json(ds):
    html = get(ds, "/-/charts", subtype="ambulance").text
    kinds = re.findall(r'data-chart="([^"]+)"', html)
    assert kinds == [
        "rates-by-trust",
        "rates-by-subtype",
        "reports-per-year-by-subtype",
        "themes-by-subtype",
    ]
    assert "/static/vendor/chart-4.5.1.umd.min.js" in html
    for src in re.findall(r'data-src(?:-totals)?="([^"]+)"', html):
        response = get(ds, src.replace("&amp;", "&"))
        assert response.status_code == 200, src
        assert isinstance(response.json(), list), src
    trusts = get(ds, "/pdt/response_rate_by_trust.json", subtype="ambulance", _shape="array")
    assert [r["trust"] for r in trusts.json()] == ["Western Counties Ambulance Service NHS Trust"]


@pytest.mark.parametrize(
    "query, kind",
    [
        ("response_rate_by_trust", "rates-by-trust"),
        ("response_rate_by_subtype", "rates-by-subtype"),
        ("reports_per_year", "reports-per-year"),
        ("reports_per_year_by_subtype", "reports-per-year-by-subtype"),
        ("themes_by_subtype", "themes-by-subtype"),
    ],
)
def test_chart_queries_show_their_chart(ds, query, kind):
    html = get(ds, f"/pdt/{query}").text
    assert f'data-chart="{kind}"' in html
    assert "pdt-charts.js" in html


def test_search_snippets_are_marked_and_escaped(ds):
    html = get(ds, "/pdt/search_reports", q="ligature").text
    assert "<mark>ligature</mark>" in html
    cells = load_plugin("pdt_cells")
    assert str(cells.mark_snippet("<script>x</script> [[dose]]")) == (
        "&lt;script&gt;x&lt;/script&gt; <mark>dose</mark>"
    )


def test_published_database_is_read_only_and_capped(ds):
    assert get(ds, "/-/databases.json").json()[0]["is_mutable"] is False
    write = get(ds, "/pdt.json", sql="insert into themes (id) values ('x')")
    assert write.status_code == 400
    many = "with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000) "
    rows = get(ds, "/pdt.json", sql=many + "select x from c")
    assert rows.json()["truncated"] is True and len(rows.json()["rows"]) == 2000
    settings = get(ds, "/-/settings.json").json()
    assert settings["sql_time_limit_ms"] <= 2000 and settings["max_returned_rows"] == 2000


def test_runaway_queries_hit_the_time_limit(ds):
    sql = "with recursive c(n) as (select 1 union all select n + 1 from c) select count(*) from c"
    response = get(ds, "/pdt.json", sql=sql)
    assert response.status_code == 400
    assert "too long" in response.json()["error"]


def test_only_the_trackers_own_plugins_are_loaded(ds):
    plugins = {p["name"] for p in get(ds, "/-/plugins.json").json()}
    assert plugins == {"pdt_cells.py", "pdt_charts.py", "pdt_organisation.py"}
