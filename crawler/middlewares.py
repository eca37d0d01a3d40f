"""Downloader middlewares: backoff before retries, redirects without a Referer, lean stats."""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.http import HtmlResponse
from twisted.internet import task

log = logging.getLogger(__name__)


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Return the wait before retry number `attempt` (1, 2, ...): base * 2^(attempt-1), capped."""
    if attempt <= 0:
        return 0.0
    return min(cap, base * 2 ** (attempt - 1))


class BackoffMiddleware:
    """Delay a retried request (RetryMiddleware sets meta['retry_times']) before it is sent."""

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler) -> BackoffMiddleware:
        settings = crawler.settings
        return cls(
            settings.getfloat("RETRY_BACKOFF_BASE", 1.0),
            settings.getfloat("RETRY_BACKOFF_MAX", 60.0),
        )

    async def process_request(self, request, spider=None):
        delay = backoff_seconds(request.meta.get("retry_times", 0), self.base, self.cap)
        if delay:
            log.debug("backing off %.2fs before retrying %s", delay, request.url)
            from twisted.internet import reactor  # the one Scrapy installed

            await task.deferLater(reactor, delay, lambda: None)
        return None


class _NoReferer:
    """Redirects as Scrapy follows them, sending no Referer (the crawler never sends one).

    Scrapy's own redirect middlewares look for the Referer spider middleware, which the
    crawler switches off (settings.py), and warn on every run when it is missing.
    """

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def handle_referer(self, request, response) -> None:
        request.headers.pop("Referer", None)


class PlainRedirectMiddleware(_NoReferer, RedirectMiddleware):
    """Follow 3xx redirects, sending no Referer."""


class PlainMetaRefreshMiddleware(_NoReferer, MetaRefreshMiddleware):
    """Follow <meta http-equiv="refresh"> redirects, sending no Referer.

    A page whose first 4,096 characters never say "refresh" is passed on at once: Scrapy's
    check decodes and scans every page with regular expressions, 2% of a crawl's CPU, and
    the site's pages carry no such tag.
    """

    def process_response(self, request, response, spider=None):
        if not isinstance(response, HtmlResponse):
            return response
        head = response.body[: 4 * 4096]  # 4,096 characters are at most this many bytes
        if b"refresh" not in head.lower():
            return response
        return super().process_response(request, response)


class CountingStats:
    """Count requests, responses by status and exceptions, under DownloaderStats' names.

    Scrapy's DownloaderStats also counts methods and totals request and response bytes,
    serialising every request to size it: about 4% of a crawl's CPU for figures the run
    summary does not use. crawler/child.py reads these counts.
    """

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> CountingStats:
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        self.stats.inc_value("downloader/request_count")
        return None

    def process_response(self, request, response, spider=None):
        self.stats.inc_value("downloader/response_count")
        self.stats.inc_value(f"downloader/response_status_count/{response.status}")
        return response

    def process_exception(self, request, exception, spider=None):
        name = f"{type(exception).__module__}.{type(exception).__qualname__}"
        self.stats.inc_value("downloader/exception_count")
        self.stats.inc_value(f"downloader/exception_type_count/{name}")
        return None
