"""Each replay fault behaves as specified, deterministically for a seed; the site can change."""

from __future__ import annotations

import io
import socket
import urllib.error
import urllib.request

import pdfplumber
import pytest
from pdfplumber.utils.exceptions import PdfminerException

from crawler.replay import (
    SAMPLE_CSV,
    Faults,
    ReplayServer,
    SiteConfig,
    build_site,
    load_reports_csv,
)
from tests.replay_support import fetch, parse_metadata, soup

ROWS = load_reports_csv(SAMPLE_CSV)


def build(tmp_path, seed: int = 0, **faults):
    return build_site(ROWS, tmp_path, SiteConfig(seed=seed, faults=Faults(**faults)))


def test_faults_from_names():
    faults = Faults.from_names("slow, scanned_pdf", slow_seconds=0.5)
    assert faults.enabled() == ["slow", "scanned_pdf"] and faults.slow_seconds == 0.5
    assert Faults.all().enabled() == list(Faults.NAMES)
    assert Faults().enabled() == []
    flags = Faults(http_500_first=True, slow=False)
    assert flags.http_500_first == Faults.DEFAULT_SHARES["http_500_first"] and flags.slow == 0.0
    with pytest.raises(ValueError, match="unknown replay faults"):
        Faults.from_names("slow,flaky")


def test_http_500_first_then_success(tmp_path):
    site = build(tmp_path, http_500_first=0.1)
    failing = site.fault_urls["http_500_first"]
    assert failing
    marked = [f for r in site.reports for f in r.faults if f.startswith("http_500_first:")]
    assert sorted(f.split(":", 1)[1] for f in marked) == sorted(
        u
        for u in failing
        if "/page/" not in u
        and u != "/prevention-of-future-death-reports/"
        and not u.startswith("/subject/")
    )
    with ReplayServer(tmp_path) as srv:
        for path in failing:
            assert fetch(srv.url(path)).status == 500
            assert fetch(srv.url(path)).status == 200
        healthy = next(r.url for r in site.reports if r.url not in failing)
        assert fetch(srv.url(healthy)).status == 200


def test_serving_faults_are_deterministic_for_a_seed(tmp_path):
    a = build(tmp_path / "a", seed=1, http_500_first=0.1, slow=0.05)
    b = build(tmp_path / "b", seed=1, http_500_first=0.1, slow=0.05)
    c = build(tmp_path / "c", seed=2, http_500_first=0.1, slow=0.05)
    assert a.fault_urls == b.fault_urls
    assert a.fault_urls["http_500_first"] != c.fault_urls["http_500_first"]
    with ReplayServer(a.root, faults=Faults(http_500_first=0.1, slow=0.05)) as srv:
        assert srv.fault_urls["http_500_first"] == a.fault_urls["http_500_first"]


def test_slow_responses_outlast_a_client_timeout(tmp_path):
    site = build(tmp_path, slow=0.03, slow_seconds=1.0)
    slow = site.fault_urls["slow"][0]
    with ReplayServer(tmp_path) as srv:
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            urllib.request.urlopen(srv.url(slow), timeout=0.3).read()
        assert fetch(srv.url(slow), timeout=5).status == 200
    with ReplayServer(tmp_path, faults=Faults(slow=0.03, slow_seconds=1.0, slow_times=1)) as srv:
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            urllib.request.urlopen(srv.url(slow), timeout=0.3).read()
        assert fetch(srv.url(slow), timeout=0.5).status == 200  # only the first was slow


def test_truncated_pdfs_are_cut_short(tmp_path):
    site = build(tmp_path, truncated_pdf=0.05)
    cut = site.fault_urls["truncated_pdf"]
    assert cut
    docs = {d.url: d for r in site.reports for d in r.documents}
    with ReplayServer(tmp_path) as srv:
        for url in cut:
            body = fetch(srv.url(url)).body
            assert b"%%EOF" not in body[-64:] and body.startswith(b"%PDF")
            assert "truncated_pdf" in docs[url].faults
            with pytest.raises(PdfminerException):
                with pdfplumber.open(io.BytesIO(body)) as pdf:
                    "".join(p.extract_text() or "" for p in pdf.pages)


def test_scanned_pdfs_have_no_text_layer(tmp_path):
    site = build(tmp_path, scanned_pdf=0.1)
    scanned = site.fault_urls["scanned_pdf"]
    assert scanned
    with ReplayServer(tmp_path) as srv:
        for url in scanned[:2]:
            with pdfplumber.open(io.BytesIO(fetch(srv.url(url)).body)) as pdf:
                assert not pdf.pages[0].chars and len(pdf.pages[0].images) == 1
    kinds = {d.url: d.kind for r in site.reports for d in r.documents}
    assert {kinds[u] for u in scanned} == {"report"}


def test_landing_pages_are_listed_without_report_data(tmp_path):
    site = build(tmp_path, landing_page=0.05)
    landings = site.fault_urls["landing_page"]
    assert "/railwayrelateddeaths/" in landings
    with ReplayServer(tmp_path) as srv:
        links, page = [], 1
        while True:
            path = "/prevention-of-future-death-reports/" + (f"page/{page}/" if page > 1 else "")
            reply = fetch(srv.url(path))
            if reply.status == 404:
                break
            links += [a["href"] for a in soup(reply.text).select("a.card__link")]
            page += 1
        assert set(landings) <= set(links)
        landing = soup(fetch(srv.url("/railwayrelateddeaths/")).text)
        assert landing.select_one("article.single__post.pfd") is None
        assert not parse_metadata(landing.select("div.flow > p"))


def test_missing_fields_vanish_from_the_page(tmp_path):
    site = build(tmp_path, seed=4, missing_field=0.2)
    touched = [r for r in site.reports if any(f.startswith("missing_field:") for f in r.faults)]
    assert len(touched) == round(0.2 * len(site.reports))
    with ReplayServer(tmp_path) as srv:
        for report in touched:
            field = next(f for f in report.faults if f.startswith("missing_field:")).split(":")[1]
            page = soup(fetch(srv.url(report.url)).text)
            paragraphs = page.select("div.flow > p")[:1] or page.select("div.entry-content p")
            assert field not in parse_metadata(paragraphs), (report.url, field)


def test_removed_reports_404_and_leave_the_listing(tmp_path):
    site = build(tmp_path)
    current = [r for r in site.reports if r.generation == "current"]
    gone = max(current, key=lambda r: r.date_added)  # on the first listing page
    listing_url = "/prevention-of-future-death-reports/"
    with ReplayServer(tmp_path) as srv:
        assert fetch(srv.url(gone.url)).status == 200
        before = fetch(srv.url(listing_url)).headers
        srv.set_removed([gone.id])
        assert fetch(srv.url(gone.url)).status == 404
        listing = fetch(srv.url(listing_url), {"If-Modified-Since": before["Last-Modified"]})
        assert listing.status == 200 and gone.url not in listing.text
        assert listing.headers["ETag"] != before["ETag"]
        srv.set_removed([])
        assert fetch(srv.url(gone.url)).status == 200


def test_clock_hides_later_reports_and_responses(tmp_path):
    site = build(tmp_path)
    report = next(r for r in site.reports if r.id.startswith("frederick-osei"))
    response = next(d for d in report.documents if d.kind == "response")
    with ReplayServer(tmp_path, as_of=report.date_added) as srv:
        assert response.url not in fetch(srv.url(report.url)).text
        assert fetch(srv.url(response.url)).status == 404
        later = [r for r in site.reports if r.date_added > report.date_added]
        assert fetch(srv.url(later[0].url)).status == 404
        srv.set_as_of(response.date_added)
        assert response.url in fetch(srv.url(report.url)).text


def test_changed_and_added_documents(tmp_path):
    site = build(tmp_path)
    report = next(r for r in site.reports if r.id.startswith("winifred-ashby"))
    doc = report.documents[0]
    with ReplayServer(tmp_path) as srv:
        before = fetch(srv.url(doc.url))
        srv.replace_document(doc.url)
        after = fetch(srv.url(doc.url), {"If-None-Match": before.headers["ETag"]})
        assert after.status == 200 and after.body != before.body
        added = srv.add_response(report.id, "NHS England", "2026-09-01")
        assert (
            added.url.endswith("2026-0307-Response-from-NHS-England.pdf")
            or "Response-by-" in added.url
        )
        page = fetch(srv.url(report.url)).text
        assert added.url in page and fetch(srv.url(added.url)).body.startswith(b"%PDF")
