"""The crawler's downloader middlewares: redirects followed without a Referer or a warning."""

from __future__ import annotations

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.child import figures_from_stats
from crawler.middlewares import (
    CountingStats,
    PlainMetaRefreshMiddleware,
    PlainRedirectMiddleware,
)
from crawler.settings import module_settings


def test_a_301_is_followed_and_the_referer_dropped():
    middleware = PlainRedirectMiddleware.from_crawler(get_crawler())
    request = Request("https://site.test/old", headers={"Referer": "https://elsewhere.test/"})
    answer = Response(
        "https://site.test/old", status=301, headers={"Location": "/new/"}, request=request
    )
    followed = middleware.process_response(request, answer)
    assert isinstance(followed, Request)
    assert followed.url == "https://site.test/new/"
    assert "Referer" not in followed.headers
    assert followed.meta["redirect_times"] == 1


def test_a_meta_refresh_is_followed_and_a_plain_page_kept():
    middleware = PlainMetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("https://site.test/moved")
    body = b'<html><head><meta http-equiv="refresh" content="0; url=/here/"></head></html>'
    moved = HtmlResponse("https://site.test/moved", body=body, request=request)
    followed = middleware.process_response(request, moved)
    assert isinstance(followed, Request) and followed.url == "https://site.test/here/"
    page = HtmlResponse("https://site.test/page", body=b"<p>text</p>", request=request)
    assert middleware.process_response(request, page) is page


def test_the_crawl_settings_swap_in_the_plain_redirects_which_do_not_listen_to_warn():
    middlewares = module_settings()["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["scrapy.downloadermiddlewares.redirect.RedirectMiddleware"] is None
    assert middlewares["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert middlewares["crawler.middlewares.PlainRedirectMiddleware"] == 600
    assert middlewares["crawler.middlewares.PlainMetaRefreshMiddleware"] == 580
    listening = {}
    for middleware_class in (RedirectMiddleware, PlainRedirectMiddleware):
        crawler = get_crawler()
        middleware = middleware_class.from_crawler(crawler)
        # Scrapy's own checks for the Referer spider middleware when the engine starts, and
        # warns when it is missing; ours has nothing to check.
        answers = crawler.signals.send_catch_log(signal=signals.engine_started)
        listening[middleware_class] = any(
            getattr(receiver, "__self__", None) is middleware for receiver, _ in answers
        )
    assert listening == {RedirectMiddleware: True, PlainRedirectMiddleware: False}


def test_counting_stats_give_the_run_summary_its_request_and_304_counts():
    crawler = get_crawler()
    counting = CountingStats.from_crawler(crawler)
    request = Request("https://site.test/report/")
    for status in (200, 304, 304, 500):
        assert counting.process_request(request) is None
        answer = Response(request.url, status=status, request=request)
        assert counting.process_response(request, answer) is answer
    assert counting.process_exception(request, TimeoutError("slow")) is None
    stats = crawler.stats.get_stats()
    assert stats["downloader/response_status_count/304"] == 2
    assert stats["downloader/exception_type_count/builtins.TimeoutError"] == 1
    figures = figures_from_stats(stats)
    assert (figures["requests"], figures["not_modified"]) == (4, 2)
    settings = module_settings()["DOWNLOADER_MIDDLEWARES"]
    assert settings["scrapy.downloadermiddlewares.stats.DownloaderStats"] is None
    assert settings["crawler.middlewares.CountingStats"] == 850
