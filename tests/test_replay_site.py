"""The replay's pages, fetched over HTTP and read back with the selectors of JUDICIARY_SITE.md."""

from __future__ import annotations

import math
from datetime import date
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from crawler.replay import (
    SAMPLE_CSV,
    ReplayServer,
    SiteConfig,
    build_site,
    category_slug,
    load_reports_csv,
)
from crawler.replay.model import CATEGORIES
from tests.replay_support import fetch, max_page_number, parse_metadata, soup

CURRENT = "/prevention-of-future-death-reports/"
LEGACY = "/subject/prevention-of-future-deaths/"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample site, built and served for the whole module."""
    out = tmp_path_factory.mktemp("replay")
    site = build_site(load_reports_csv(SAMPLE_CSV), out, SiteConfig(seed=0, legacy_share=0.2))
    with ReplayServer(out) as srv:
        yield site, srv


def walk_listing(srv, base: str, selector: str) -> tuple[list[str], int]:
    """Follow a listing from page 1 to its last page; return the links and the page count."""
    first = soup(fetch(srv.url(base)).text)
    last = max_page_number(first)
    links = [a["href"] for a in first.select(selector)]
    for n in range(2, last + 1):
        links += [a["href"] for a in soup(fetch(srv.url(f"{base}page/{n}/")).text).select(selector)]
    return links, last


def test_sample_covers_every_site_category():
    rows = load_reports_csv(SAMPLE_CSV)
    tags = {c.strip() for r in rows for c in r["category"].split("|")}
    assert set(CATEGORIES) <= tags
    assert 35 <= len(rows) <= 50


def test_sample_has_pending_and_overdue_reports_under_the_demo_clock(served):
    site, _ = served
    today = date(2026, 11, 24)
    unanswered = [r for r in site.reports if not any(d.kind == "response" for d in r.documents)]
    waits = [(today - date.fromisoformat(r.date_of_report)).days for r in unanswered]
    assert any(0 <= w <= 56 for w in waits)  # pending
    assert any(w > 90 for w in waits)  # overdue
    several = [r for r in site.reports if sum(d.kind == "response" for d in r.documents) >= 3]
    assert several


def test_current_listing_pages_cards_newest_first(served):
    site, srv = served
    current = [r for r in site.reports if r.generation == "current"]
    links, last = walk_listing(srv, CURRENT, "h3.card__title > a.card__link")
    assert last == math.ceil(len(current) / 10)
    assert links == [
        r.url for r in sorted(current, key=lambda r: (r.date_added, r.id), reverse=True)
    ]
    page1 = soup(fetch(srv.url(CURRENT)).text)
    assert len(page1.select("a.card__link")) == 10
    assert all("Page" in a.text for a in page1.select("a.page-numbers") if a.text[-1].isdigit())
    assert fetch(srv.url(f"{CURRENT}page/{last + 1}/")).status == 404


def test_legacy_listing_holds_the_other_reports(served):
    site, srv = served
    legacy = {r.url for r in site.reports if r.generation == "legacy"}
    links, _ = walk_listing(srv, LEGACY, "h5.entry-title > a")
    assert legacy and set(links) == legacy
    assert all(u.startswith("/publications/") for u in links)
    current_links, _ = walk_listing(srv, CURRENT, "a.card__link")
    assert not set(current_links) & legacy
    assert all(r.date_added < "2022-11-01" for r in site.reports if r.generation == "legacy")


def test_report_pages_carry_the_manifest_metadata(served):
    site, srv = served
    for report in (r for r in site.reports if r.generation == "current"):
        page = soup(fetch(srv.url(report.url)).text)
        article = page.select_one("article.single__post.pfd.type-pfd")
        assert article is not None, report.url
        meta = parse_metadata(page.select("div.flow > p")[:1])
        if "date_of_report" not in report.omitted:
            assert (
                meta["date_of_report"].split(" Ref")[0]
                == report.date_of_report_raw.replace("\xa0", " ").split(" Ref")[0].strip()
            )
        if report.ref_raw and "ref" not in report.omitted:
            assert meta["ref"] == report.ref_raw
        if report.deceased_name and "deceased_name" not in report.omitted:
            assert meta["deceased_name"] == report.deceased_name
        if report.recipients_raw:
            assert meta["recipients"].split("\n") == [
                x.strip() for x in report.recipients_raw.splitlines() if x.strip()
            ]
        assert article.select_one("header time")["datetime"] == report.date_added
        tags = [a.text for a in page.select(".single__title + p.pill--single > a")]
        assert tags == report.categories
        assert page.select_one(".single__title").text == report.title


def test_label_variants_appear_across_the_sample(served):
    _, srv = served
    site = served[0]
    labels = {label for r in site.reports for label in r.labels.values()}
    assert {"Date of report:", "Ref:", "Coroner Area:"} <= labels
    assert len(labels) > 12  # odd pages mix in the variants the site shows


def test_document_links_and_kinds(served):
    site, srv = served
    reordered = 0
    for report in (r for r in site.reports if r.generation == "current"):
        page = soup(fetch(srv.url(report.url)).text)
        links = page.select("li.related-content__item > a.related-content__link")
        assert [a["href"] for a in links] == [d.url for d in report.documents]
        kinds = [d.kind for d in report.documents]
        reordered += "report" in kinds and kinds[0] != "report"
        for doc in report.documents:
            assert doc.url.startswith("/wp-content/uploads/") and doc.url.count("/") == 5
    assert reordered >= 2  # position is not a reliable signal of the report


def test_pdf_button_changes_markup_in_august_2025(served):
    site, srv = served
    seen = set()
    for report in (r for r in site.reports if r.generation == "current" and r.pdf_button):
        page = soup(fetch(srv.url(report.url)).text)
        old = page.select("a.govuk-button")
        new = page.select("div.wp-block-file > a.wp-block-file__button")
        if date.fromisoformat(report.date_added) >= date(2025, 8, 1):
            assert not old and new[0]["href"] == report.pdf_button
            seen.add("new")
        else:
            assert not new and old[0]["href"] == report.pdf_button
            seen.add("old")
    assert seen == {"old", "new"}


def test_pasted_report_text_since_2023(served):
    site, srv = served
    styles = set()
    for report in (r for r in site.reports if r.generation == "current"):
        page = soup(fetch(srv.url(report.url)).text)
        strong = [s.text for s in page.select("div.flow strong")]
        rows = page.select("tbody.govuk-table__body > tr.govuk-table__row")
        if report.date_in_pdf >= "2023-01-01":
            assert any("CORONER" in s.upper() for s in strong), report.url
            assert bool(rows) == (report.pasted == "table")
            styles.add(report.pasted)
        else:
            assert not rows and not any("CIRCUMSTANCES" in s.upper() for s in strong)
    assert styles == {"text", "table"}


def test_legacy_pages_use_entry_content_and_li_pdf(served):
    site, srv = served
    for report in (r for r in site.reports if r.generation == "legacy"):
        page = soup(fetch(srv.url(report.url)).text)
        assert page.select_one("article.single__post") is None
        meta = parse_metadata(page.select("div.entry-content p"))
        if report.ref_raw and "ref" not in report.omitted:
            assert meta["ref"] == report.ref_raw
        assert meta["deceased_name"] == report.deceased_name
        assert [a["href"] for a in page.select("li.pdf > a")] == [d.url for d in report.documents]


def test_search_filters_by_type_and_date_window(served):
    site, srv = served
    slug = category_slug("Mental Health related deaths")
    window = (
        "after-day=1&after-month=1&after-year=2015&before-day=31&before-month=12&before-year=2023"
    )
    query = f"s&pfd_report_type={slug}&post_type=pfd&order=relevance&{window}"
    expected = {
        r.url
        for r in site.reports
        if r.generation == "current"
        and "Mental Health related deaths" in r.categories
        and "2015-01-01" <= r.date_added <= "2023-12-31"
    }
    found, n = [], 1
    while True:
        path = f"/?{query}" if n == 1 else f"/page/{n}/?{query}"
        links = [a["href"] for a in soup(fetch(srv.url(path)).text).select("a.card__link")]
        if not links:
            break
        found += links
        n += 1
    assert expected and set(found) == expected and len(found) == len(expected)


def test_empty_type_means_every_type(served):
    site, srv = served
    page = soup(fetch(srv.url("/?s&pfd_report_type=&post_type=pfd&order=relevance")).text)
    current = sum(r.generation == "current" for r in site.reports)
    assert page.select_one(".search__count").text.startswith(f"{current} ")


def test_conditional_requests_give_304(served):
    site, srv = served
    url = srv.url(site.reports[0].url)
    first = fetch(url)
    assert first.status == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": first.headers["ETag"]}).status == 304
    assert fetch(url, {"If-Modified-Since": first.headers["Last-Modified"]}).status == 304
    earlier = parsedate_to_datetime(first.headers["Last-Modified"]).replace(year=2000)
    assert fetch(url, {"If-Modified-Since": format_datetime(earlier, usegmt=True)}).status == 200
    assert fetch(url, {"If-None-Match": '"other"'}).status == 200


def test_robots_types_and_unknown_paths(served):
    site, srv = served
    robots = fetch(srv.url("/robots.txt"))
    assert robots.status == 200 and "User-agent: *" in robots.text
    assert robots.headers["Content-Type"].startswith("text/plain")
    assert fetch(srv.url(CURRENT)).headers["Content-Type"].startswith("text/html")
    doc = site.reports[0].documents[0]
    assert fetch(srv.url(doc.url)).headers["Content-Type"] == doc.content_type
    assert fetch(srv.url("/no-such-page/")).status == 404
    assert fetch(srv.url("/wp-content/uploads/2020/01/nothing.pdf")).status == 404
    assert srv.request_count >= 6 and srv.requests_by_path["/robots.txt"] >= 1


def test_static_pages_match_what_is_served(served):
    site, srv = served
    report = site.reports[5]
    on_disk = (site.root / "www" / report.url.lstrip("/") / "index.html").read_bytes()
    assert on_disk == fetch(srv.url(report.url)).body
