"""The judiciary spider: navigation only. Every selector lives in crawler.parse.

It walks both listings (current cards and the older /subject/ archive), or the filtered search
for a date window, fetches each report page (conditionally when the store knows it), and yields
items that the pipelines download and store. URLs are stored as the live site names them, so a
crawl of a local replay and of the live site give the same ids. With several workers, each
walks its share of the listing pages (crawler.shards).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.items import GoneItem, ProblemItem, ReportItem, SeenItem
from crawler.parse import parse_listing, parse_report_page, report_id_from_url
from crawler.plan import CrawlPlan
from crawler.shards import page_owner, report_owner
from crawler.urls import CANONICAL_ORIGIN, listing_url, origin, search_url, to_fetch

LISTING_PRIORITY = 10
REVISIT_PRIORITY = 5


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Return If-None-Match / If-Modified-Since headers for stored validators."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


class JudiciarySpider(scrapy.Spider):
    """Crawl PFD report listings, report pages and their documents."""

    name = "judiciary"

    def __init__(
        self,
        options: dict[str, Any] | None = None,
        plan: CrawlPlan | None = None,
        shard: tuple[int, int] = (0, 1),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.shard, self.shards = shard
        options = options or {}
        self.base_origin = origin(options.get("base_url") or CANONICAL_ORIGIN)
        self.mode: str = options.get("mode", "incremental")
        self.limit: int | None = options.get("limit")
        self.resume: bool = bool(options.get("resume"))
        self.since: str | None = options.get("since")
        self.until: str | None = options.get("until")
        self.download_files: bool = options.get("download_files", True)
        self.as_of = date.fromisoformat(options.get("as_of") or date.today().isoformat())
        self.grace_days: int = int(options.get("grace_days", 90))
        self.plan = plan or CrawlPlan()
        self.seen_ids: set[str] = set()
        self.scheduled_ids: set[str] = set()
        self.listing_failed = False
        self.bulk_paged: set[str] = set()

    # --- start ---------------------------------------------------------------------------

    async def start(self):
        """Yield the first listing page(s) and, when incremental, the reports to re-check."""
        for request in self.first_requests():
            yield request

    def first_requests(self) -> list[Request]:
        """Return the requests a run starts with."""
        if self.mode == "window":
            return [self.listing_request(search_url(1, self.since, self.until), "search", 1)]
        requests = []
        if self.mode == "full" or self.shard == 0:  # an incremental walk is sequential: worker 0
            requests = [
                self.listing_request(listing_url(g, 1), g, 1) for g in ("current", "legacy")
            ]
        if self.mode == "incremental":
            for rid in self.plan.revisit_ids(self.as_of, self.grace_days):
                if report_owner(rid, self.shards) != self.shard:
                    continue
                request = self.report_request(self.plan.reports[rid].url, REVISIT_PRIORITY)
                if request is not None:
                    requests.append(request)
        return requests

    def listing_request(self, url: str, generation: str, page: int) -> Request:
        """Return a request for one listing or search page (never deduplicated away)."""
        return Request(
            to_fetch(url, self.base_origin),
            callback=self.parse_listing_page,
            errback=self.listing_failed_cb,
            meta={"generation": generation, "page": page, "canonical": url},
            priority=LISTING_PRIORITY,
            dont_filter=True,
        )

    # --- listings ------------------------------------------------------------------------

    def parse_listing_page(self, response: Response):
        """Schedule the entries of a listing page and decide where paging goes."""
        generation, number = response.meta["generation"], response.meta["page"]
        page = parse_listing(self.canonical_html(response), response.meta["canonical"])
        self.crawler.stats.inc_value("pdt/listing_pages")
        unknown = 0
        # pages after the first are shared out only when all were scheduled at once
        owner = page_owner(number, self.shards) if generation in self.bulk_paged else 0
        owned = owner == self.shard
        for link in page.links if owned else []:
            rid = report_id_from_url(link)
            unknown += rid not in self.plan.reports and link not in self.plan.skipped_urls
            request = self.entry_request(link)
            if request is not None:
                yield request
        yield from self.next_listing_pages(page, generation, number, unknown)

    def next_listing_pages(self, page, generation: str, number: int, unknown: int):
        """Yield the following listing pages: all at once when the last page is known."""
        if not page.links or self.limit_reached():
            return
        if self.mode == "incremental" and unknown < len(page.links):
            return  # reached reports the store already holds
        if generation == "search":
            make = lambda n: search_url(n, self.since, self.until)  # noqa: E731
        else:
            make = lambda n: listing_url(generation, n)  # noqa: E731
        bulk = number == 1 and page.last_page and self.mode != "incremental" and not self.limit
        if bulk:
            self.bulk_paged.add(generation)
            for n in range(2, page.last_page + 1):
                if page_owner(n, self.shards) == self.shard:
                    yield self.listing_request(make(n), generation, n)
        elif generation not in self.bulk_paged and self.shard == 0:
            yield self.listing_request(make(number + 1), generation, number + 1)

    def listing_failed_cb(self, failure: Failure):
        """Record a listing page that could not be fetched; removals are then not trusted."""
        request = failure.request
        status = getattr(getattr(failure.value, "response", None), "status", None)
        if status == 404 and request.meta.get("page", 1) > 1:
            return  # paged past the end
        self.listing_failed = True
        yield ProblemItem(
            url=request.meta["canonical"], message=f"listing: {failure.value!r}", kind="http"
        )

    # --- report pages --------------------------------------------------------------------

    def limit_reached(self) -> bool:
        return bool(self.limit) and len(self.scheduled_ids) >= self.limit

    def entry_request(self, link: str) -> Request | None:
        """Return the request for a listing entry, or None when it need not be fetched."""
        rid = report_id_from_url(link)
        if not rid or link in self.plan.skipped_urls:
            return None
        self.seen_ids.add(rid)
        known = self.plan.reports.get(rid)
        if self.mode == "incremental" and known is not None and not known.removed:
            return None
        return self.report_request(link)

    def report_request(self, link: str, priority: int = 0) -> Request | None:
        """Return a request for a report page, conditional when the store knows it."""
        rid = report_id_from_url(link)
        if rid in self.scheduled_ids or self.limit_reached():
            return None
        self.scheduled_ids.add(rid)
        if self.resume and rid in self.plan.done_ids:
            return None
        known = self.plan.reports.get(rid)
        # A full crawl re-reads every page (so parser fixes apply and each document is
        # re-checked, conditionally); other runs ask for a page only if it changed.
        conditional = known is not None and self.mode != "full"
        headers = conditional_headers(known.etag, known.last_modified) if conditional else {}
        return Request(
            to_fetch(link, self.base_origin),
            callback=self.parse_report,
            errback=self.report_failed,
            headers=headers,
            priority=priority,
            dont_filter=False,  # with --resume, a cleanly stopped job's seen-set skips queued pages
            meta={"report_id": rid, "canonical": link, "handle_httpstatus_list": [304, 404, 410]},
        )

    def parse_report(self, response: Response):
        """Turn a report page into an item (or a 304/404 outcome, or a problem)."""
        rid, url = response.meta["report_id"], response.meta["canonical"]
        self.crawler.stats.inc_value("pdt/pages")
        etag = response.headers.get("ETag", b"").decode("latin-1") or None
        modified = response.headers.get("Last-Modified", b"").decode("latin-1") or None
        if response.status == 304:
            yield SeenItem(report_id=rid, url=url, etag=etag, last_modified=modified)
            return
        if response.status in (404, 410):
            if rid in self.plan.reports:
                yield GoneItem(report_id=rid, url=url, status=response.status)
            else:
                yield ProblemItem(
                    url=url, message=f"HTTP {response.status}", kind="http", report_id=rid
                )
            return
        parsed = parse_report_page(self.canonical_html(response), url)
        if parsed.skip_reason:
            yield ProblemItem(url=url, message=parsed.skip_reason, kind="skipped")
            return
        if parsed.report is None:
            yield ProblemItem(
                url=url, message="; ".join(parsed.problems), kind="parse", report_id=rid
            )
            return
        yield ReportItem(
            report=parsed.report,
            documents=parsed.documents,
            problems=parsed.problems,
            etag=etag,
            last_modified=modified,
            file_urls=self.files_to_fetch(parsed.documents),
        )

    def files_to_fetch(self, documents) -> list[str]:
        """Return the document URLs to download: new ones, or all when a full crawl re-checks."""
        if not self.download_files:
            return []
        urls = []
        for doc in documents:
            if doc.url in urls:
                continue
            if doc.url not in self.plan.files or self.mode == "full":
                urls.append(doc.url)
        return urls

    def report_failed(self, failure: Failure):
        """Record a report page that failed after its retries."""
        request = failure.request
        yield ProblemItem(
            url=request.meta["canonical"],
            message=f"{failure.value!r}",
            kind="http",
            report_id=request.meta["report_id"],
        )

    def canonical_html(self, response: Response) -> str:
        """Return the page text with the crawled host written as the live site's."""
        text = response.text
        if self.base_origin != CANONICAL_ORIGIN:
            text = text.replace(self.base_origin, CANONICAL_ORIGIN)
        return text
