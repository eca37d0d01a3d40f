"""Build the replay from the full shared scrape (skipped when ../shared/data is absent)."""

from __future__ import annotations

from crawler.replay import ReplayServer, SiteConfig, build_site, load_reports_csv
from tests.conftest import shared_data_file
from tests.replay_support import fetch, max_page_number, soup


def test_full_scrape_builds_and_serves(tmp_path):
    rows = load_reports_csv(shared_data_file("pfd_reports.csv"))
    site = build_site(rows, tmp_path, SiteConfig(seed=0))
    assert site.build_seconds < 60
    landings = [x for x in site.landings if x.source == "csv"]
    assert len(site.reports) + len(landings) == len(rows)
    assert len({r.url for r in site.reports}) == len(site.reports)
    current = sum(r.generation == "current" for r in site.reports)
    legacy = len(site.reports) - current
    assert 0.1 < legacy / len(site.reports) < 0.3
    with_ref = [r for r in site.reports if r.ref_raw]
    assert sum(r.ref is not None for r in with_ref) / len(with_ref) > 0.99
    with ReplayServer(tmp_path) as srv:
        first = soup(fetch(srv.url("/prevention-of-future-death-reports/")).text)
        assert max_page_number(first) == -(-(current + len(landings)) // 10)
        for report in site.reports[:: len(site.reports) // 5]:
            assert fetch(srv.url(report.url)).status == 200
            if report.documents:
                assert fetch(srv.url(report.documents[0].url)).body[:4] in (b"%PDF", b"PK\x03\x04")
