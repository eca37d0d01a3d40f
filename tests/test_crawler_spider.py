"""The spider fed saved pages: which requests and items it yields, and the plan behind them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.items import GoneItem, ProblemItem, ReportItem, SeenItem
from crawler.plan import CrawlPlan, KnownFile, KnownReport, load_plan, needs_revisit
from crawler.spiders.judiciary import JudiciarySpider
from crawler.urls import search_url
from tracker.db import upsert_documents, upsert_report
from tracker.models import Document, Report

HTML = Path(__file__).parent / "fixtures" / "html"
BASE = "http://127.0.0.1:9"
SITE = "https://www.judiciary.uk"
ADA = "ada-fenwick-prevention-of-future-deaths-report"


def make_spider(plan: CrawlPlan | None = None, **options) -> JudiciarySpider:
    options = {"base_url": BASE, "as_of": "2023-12-01", **options}
    crawler = get_crawler(JudiciarySpider)
    return JudiciarySpider.from_crawler(crawler, options=options, plan=plan or CrawlPlan())


def response(fixture: str, url: str, status: int = 200, meta: dict | None = None, headers=None):
    body = (HTML / f"{fixture}.html").read_bytes() if fixture else b""
    request = Request(url, meta=meta or {})
    return HtmlResponse(
        url, status=status, body=body, request=request, headers=headers or {}, encoding="utf-8"
    )


def listing_response(spider, page: int = 1):
    meta = {
        "generation": "current",
        "page": page,
        "canonical": f"{SITE}/prevention-of-future-death-reports/",
    }
    return response("current_listing", f"{BASE}/prevention-of-future-death-reports/", meta=meta)


def test_a_full_crawl_starts_on_both_listings_and_pages_them_all_at_once():
    spider = make_spider(mode="full")
    first = spider.first_requests()
    assert [r.url for r in first] == [
        f"{BASE}/prevention-of-future-death-reports/",
        f"{BASE}/subject/prevention-of-future-deaths/",
    ]
    out = list(spider.parse_listing_page(listing_response(spider)))
    pages = [r for r in out if r.callback == spider.parse_listing_page]
    reports = [r for r in out if r.callback == spider.parse_report]
    assert len(pages) == 614 and pages[-1].url.endswith("/page/615/")
    assert [r.meta["report_id"] for r in reports] == [
        ADA,
        "bertram-okafor-prevention-of-future-deaths-report",
        "railwayrelateddeaths",
        "108008-2",
    ]
    assert all(r.url.startswith(BASE) for r in reports)
    assert reports[0].meta["canonical"] == f"{SITE}/prevention-of-future-death-reports/{ADA}/"


def test_incremental_stops_paging_at_known_reports_and_revisits_recent_ones():
    known = {
        ADA: KnownReport(
            ADA,
            f"{SITE}/prevention-of-future-death-reports/{ADA}/",
            etag='"abc"',
            date_of_report="2023-10-02",
        ),
        "old": KnownReport("old", f"{SITE}/publications/old/", date_of_report="2015-01-01"),
    }
    spider = make_spider(CrawlPlan(reports=known), mode="incremental")
    first = spider.first_requests()
    revisit = [r for r in first if r.callback == spider.parse_report]
    assert [r.meta["report_id"] for r in revisit] == [ADA]
    assert revisit[0].headers.get("If-None-Match") == b'"abc"'
    out = list(spider.parse_listing_page(listing_response(spider)))
    assert not [r for r in out if r.callback == spider.parse_listing_page]
    assert ADA not in [r.meta["report_id"] for r in out]  # already scheduled as a revisit


def test_limit_pages_one_at_a_time_and_stops():
    spider = make_spider(mode="full", limit=2)
    out = list(spider.parse_listing_page(listing_response(spider)))
    assert len([r for r in out if r.callback == spider.parse_report]) == 2
    assert not [r for r in out if r.callback == spider.parse_listing_page]


def test_window_mode_uses_the_filtered_search():
    spider = make_spider(mode="window", since="2023-01-01", until="2023-03-31")
    (first,) = spider.first_requests()
    assert first.url == BASE + search_url(1, "2023-01-01", "2023-03-31")[len(SITE) :]
    assert "after-day=1&after-month=1&after-year=2023" in first.url
    assert "before-day=31&before-month=3&before-year=2023" in first.url


def test_report_page_becomes_an_item_with_the_files_to_fetch():
    url = f"{SITE}/prevention-of-future-death-reports/{ADA}/"
    known_pdf = f"{SITE}/wp-content/uploads/2023/11/CCG-Response.pdf"
    spider = make_spider(CrawlPlan(files={known_pdf: KnownFile(known_pdf, "f" * 64)}))
    meta = {"report_id": ADA, "canonical": url}
    page = response(
        "current_report_2023",
        f"{BASE}/prevention-of-future-death-reports/{ADA}/",
        meta=meta,
        headers={"ETag": '"e1"'},
    )
    (item,) = list(spider.parse_report(page))
    assert isinstance(item, ReportItem)
    assert item.report.id == ADA and item.etag == '"e1"'
    assert len(item.documents) == 6 and known_pdf not in item.file_urls
    assert len(item.file_urls) == 5 and all(u.startswith(SITE) for u in item.file_urls)


def test_not_modified_gone_and_landing_outcomes():
    spider = make_spider(
        CrawlPlan(reports={"gone": KnownReport("gone", f"{SITE}/publications/gone/")})
    )
    meta = {"report_id": "gone", "canonical": f"{SITE}/publications/gone/"}
    (seen,) = list(spider.parse_report(response("", f"{BASE}/publications/gone/", 304, meta)))
    assert isinstance(seen, SeenItem)
    (gone,) = list(spider.parse_report(response("", f"{BASE}/publications/gone/", 404, meta)))
    assert isinstance(gone, GoneItem) and gone.status == 404
    meta = {"report_id": "railwayrelateddeaths", "canonical": f"{SITE}/railwayrelateddeaths/"}
    (skip,) = list(
        spider.parse_report(response("landing_page", f"{BASE}/railwayrelateddeaths/", meta=meta))
    )
    assert isinstance(skip, ProblemItem) and skip.kind == "skipped"


def test_needs_revisit_window_and_response_counts():
    as_of = date(2024, 6, 1)
    recent = KnownReport("a", "u", date_of_report="2024-03-01")
    assert needs_revisit(recent, as_of)
    answered = KnownReport("a", "u", date_of_report="2024-03-01", recipients=2, responses=2)
    assert not needs_revisit(answered, as_of)
    waiting = KnownReport("a", "u", date_of_report="2024-03-01", recipients=3, responses=2)
    assert needs_revisit(waiting, as_of)
    assert not needs_revisit(KnownReport("a", "u", date_of_report="2023-01-01"), as_of)
    assert needs_revisit(KnownReport("a", "u", date_added="2024-05-30"), as_of)
    assert not needs_revisit(
        KnownReport("a", "u", date_of_report="2024-03-01", removed=True), as_of
    )
    assert not needs_revisit(KnownReport("a", "u"), as_of)


def test_load_plan_reads_reports_files_and_this_runs_progress(db):
    upsert_report(
        db,
        Report(id="r1", url=f"{SITE}/publications/r1/", date_of_report="2024-01-02"),
        seen_at="2024-02-01T00:00:00+00:00",
        etag='"t"',
    )
    doc = Document(id="d1", report_id="r1", url=f"{SITE}/x.pdf", kind="response")
    upsert_documents(db, [doc])
    db["documents"].update("d1", {"sha256": "a" * 64, "etag": '"f"'})
    plan = load_plan(db, run_started_at="2024-01-15T00:00:00+00:00")
    assert plan.reports["r1"].etag == '"t"' and plan.reports["r1"].responses == 1
    assert plan.files[f"{SITE}/x.pdf"].etag == '"f"'
    assert plan.done_ids == {"r1"}
    assert load_plan(db, run_started_at="2024-03-01T00:00:00+00:00").done_ids == set()
