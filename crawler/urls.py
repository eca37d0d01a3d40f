"""Map between the site's canonical URLs (stored) and the host actually crawled (a replay)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

CANONICAL_ORIGIN = "https://www.judiciary.uk"
CURRENT_LISTING = "/prevention-of-future-death-reports/"
LEGACY_LISTING = "/subject/prevention-of-future-deaths/"


def origin(url: str) -> str:
    """Return scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def to_fetch(url: str, base_origin: str) -> str:
    """Return the URL to request for a canonical URL when crawling base_origin."""
    if base_origin and url.startswith(CANONICAL_ORIGIN):
        return base_origin + url[len(CANONICAL_ORIGIN) :]
    return url


def listing_url(generation: str, page: int) -> str:
    """Return the canonical URL of page N of the current or legacy listing."""
    root = LEGACY_LISTING if generation == "legacy" else CURRENT_LISTING
    return f"{CANONICAL_ORIGIN}{root}" if page <= 1 else f"{CANONICAL_ORIGIN}{root}page/{page}/"


def search_url(page: int, since: str | None, until: str | None, report_type: str = "") -> str:
    """Return the canonical URL of page N of the filtered search, windowed by date added."""
    query: list[tuple[str, str]] = [
        ("pfd_report_type", report_type),
        ("post_type", "pfd"),
        ("order", "relevance"),
    ]
    for prefix, value in (("after", since), ("before", until)):
        if value:
            year, month, day = value[:10].split("-")
            query += [(f"{prefix}-day", str(int(day))), (f"{prefix}-month", str(int(month)))]
            query += [(f"{prefix}-year", year)]
    return f"{CANONICAL_ORIGIN}/page/{page}/?s&{urlencode(query)}"
