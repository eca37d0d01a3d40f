"""Scrapy settings: polite by default, from the tracker's config (PDT_* environment variables).

Docs: https://docs.scrapy.org/en/latest/topics/settings.html
The module-level names are what `scrapy crawl judiciary` uses; `build_settings` is what
`pdt crawl` uses, adding the run's data dir, concurrency and job dir.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from tracker.config import Config, load_config

_config = load_config()

BOT_NAME = "pdt"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Identify the crawler, with a contact (PDT_USER_AGENT), and obey robots.txt.
USER_AGENT = _config.user_agent
ROBOTSTXT_OBEY = True

# Low per-domain concurrency with AutoThrottle: a peer that fetched in parallel without limits
# got faulty pages back. https://docs.scrapy.org/en/latest/topics/autothrottle.html
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5
DOWNLOAD_TIMEOUT = 30

# Retry 5xx and timeouts, with exponential backoff (crawler.middlewares.BackoffMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.BackoffMiddleware": 560,
    # Scrapy's redirect middlewares, without the Referer handling switched off below
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.PlainRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.PlainMetaRefreshMiddleware": 580,
    # the same counts as Scrapy's DownloaderStats, without serialising each request to size it
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.middlewares.CountingStats": 850,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,  # the site needs no login
    # the spider names no allowed_domains and builds every request for the one site
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
}
# The spider builds every request itself: no link depth, Referer or URL-length rules apply,
# and each of these middlewares costs CPU on every response.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
}

# Keep a short read (Content-Length not reached) as a flagged body rather than an error,
# so a truncated PDF is stored and reported.
DOWNLOAD_FAIL_ON_DATALOSS = False

ITEM_PIPELINES = {
    "crawler.pipelines.DocumentFilesPipeline": 300,
    "crawler.pipelines.StorePipeline": 800,
}
FILES_STORE = str(_config.data_dir)
MEDIA_ALLOW_REDIRECTS = True

# HTTP cache for development (PDT_HTTPCACHE=1), honouring the site's cache headers.
# https://docs.scrapy.org/en/latest/topics/downloader-middleware.html#httpcache-middleware-settings
HTTPCACHE_ENABLED = _config.httpcache
HTTPCACHE_DIR = str(_config.cache_dir.resolve())
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"

# Items handled at once per response. Scrapy starts that many tasks for every callback's
# output; ours yield one item or a page of links, so 100 (the default) only costs CPU.
CONCURRENT_ITEMS = 16

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Twisted's own reactor for the platform (epoll on Linux), not the asyncio one: on a fast
# host the asyncio reactor stalls tens of milliseconds between batches of responses, which
# at a per-domain concurrency of 2 to 4 cut throughput to a quarter.
TWISTED_REACTOR = None
PDT_DB_PATH = str(_config.db_path)

LOOPBACK_CONCURRENCY = 8


def is_loopback(url: str) -> bool:
    """Tell whether a URL points at this machine (a local replay of the site)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def module_settings() -> dict[str, Any]:
    """Return this module's upper-case names as a settings dict."""
    return {k: v for k, v in globals().items() if k.isupper() and not k.startswith("_")}


def build_settings(
    config: Config, base_url: str, concurrency: int | None, run_id: int, job_dir: str | None
) -> dict[str, Any]:
    """Return the settings of one `pdt crawl` run.

    On loopback (a replay) concurrency may go up and AutoThrottle's delays down; the live
    site keeps the polite defaults unless --concurrency says otherwise.
    """
    settings = module_settings()
    settings.update(
        USER_AGENT=config.user_agent,
        FILES_STORE=str(config.data_dir.resolve()),
        HTTPCACHE_ENABLED=config.httpcache,
        HTTPCACHE_DIR=str(config.cache_dir.resolve()),
        PDT_DB_PATH=str(config.db_path.resolve()),
        PDT_RUN_ID=run_id,
    )
    if is_loopback(base_url):
        per_domain = concurrency or LOOPBACK_CONCURRENCY
        # AutoThrottle spaces a slot's requests by its delay, one at a time: on loopback
        # even a 1 ms delay halves throughput, so its delays go to zero (it is switched off).
        middlewares = dict(settings["DOWNLOADER_MIDDLEWARES"])
        # a replay sends nothing compressed: skip the Accept-Encoding/decoding step
        middlewares["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"] = None
        settings.update(
            DOWNLOADER_MIDDLEWARES=middlewares,
            DOWNLOAD_DELAY=0,
            AUTOTHROTTLE_ENABLED=False,
            RETRY_BACKOFF_BASE=0.05,
            RETRY_BACKOFF_MAX=1.0,
        )
    else:
        per_domain = concurrency or CONCURRENT_REQUESTS_PER_DOMAIN
    settings.update(
        CONCURRENT_REQUESTS_PER_DOMAIN=per_domain,
        CONCURRENT_REQUESTS=max(CONCURRENT_REQUESTS, per_domain),
    )
    if job_dir:
        settings["JOBDIR"] = job_dir
    return settings
