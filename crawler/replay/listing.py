"""Render listing and search pages: cards, WordPress pagination, the filtered search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape

from crawler.replay.html import frame, href
from crawler.replay.model import category_slug, parse_iso
from crawler.replay.text import long_date


@dataclass(slots=True)
class Card:
    """One entry of a listing: a report or a landing page."""

    url: str
    title: str
    date_added: str
    categories: list[str] = field(default_factory=list)
    key: str = ""


@dataclass(slots=True)
class SearchQuery:
    """The filters of the site search: a report type slug and a date-added window."""

    type_slug: str = ""
    after: date | None = None
    before: date | None = None


def sort_cards(cards: list[Card]) -> list[Card]:
    """Order cards newest date added first, ties by a stable key."""
    return sorted(cards, key=lambda c: (c.date_added, c.key or c.url), reverse=True)


def page_count(total: int, size: int) -> int:
    """Return how many pages a listing of `total` entries takes (at least one)."""
    return max(1, -(-total // size))


def page_numbers(page: int, last: int) -> list[int | None]:
    """Return WordPress's page numbers: ends, two either side of the current, None for dots."""
    shown = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def pagination_html(page: int, last: int, link) -> str:
    """Render `a.page-numbers` links, each number with a visually hidden "Page" word."""
    if last <= 1:
        return ""
    parts = []
    if page > 1:
        parts.append(f'<a class="prev page-numbers" href="{href(link(page - 1))}">Previous</a>')
    for n in page_numbers(page, last):
        hidden = '<span class="visually-hidden">Page </span>'
        if n is None:
            parts.append('<span class="page-numbers dots">&hellip;</span>')
        elif n == page:
            parts.append(
                f'<span aria-current="page" class="page-numbers current">{hidden}{n}</span>'
            )
        else:
            parts.append(f'<a class="page-numbers" href="{href(link(n))}">{hidden}{n}</a>')
    if page < last:
        parts.append(f'<a class="next page-numbers" href="{href(link(page + 1))}">Next</a>')
    return '<nav class="pagination" aria-label="Pagination">' + "\n".join(parts) + "</nav>"


def card_html(card: Card) -> str:
    """Render a current-generation card: `h3.card__title > a.card__link`."""
    added = parse_iso(card.date_added)
    tags = ", ".join(escape(c) for c in card.categories)
    return (
        '<div class="card card--pfd"><div class="card__body">'
        f'<h3 class="card__title"><a class="card__link" href="{href(card.url)}">'
        f"{escape(card.title)}</a></h3>"
        f'<p class="card__date"><time datetime="{added.isoformat()}">{long_date(added)}</time></p>'
        f'<p class="card__summary">{tags}</p></div></div>'
    )


def legacy_card_html(card: Card) -> str:
    """Render an older-generation entry: `h5.entry-title > a`."""
    return (
        '<article class="post type-post"><header class="entry-header">'
        f'<h5 class="entry-title"><a href="{href(card.url)}" rel="bookmark">{escape(card.title)}'
        f'</a></h5></header><div class="entry-summary"><p>{long_date(parse_iso(card.date_added))}'
        "</p></div></article>"
    )


def listing_link(base: str):
    """Return the URL maker of a listing's pages: page 1 is the base itself."""
    return lambda n: base if n == 1 else f"{base}page/{n}/"


def render_listing(cards: list[Card], page: int, size: int, base: str, legacy: bool) -> str | None:
    """Render one page of a listing; None when the page is past the end (a 404)."""
    last = page_count(len(cards), size)
    if page < 1 or page > last:
        return None
    chunk = cards[(page - 1) * size : page * size]
    draw = legacy_card_html if legacy else card_html
    title = "Prevention of future deaths" if legacy else "Prevention of future death reports"
    body = (
        f'<h1 class="page__title">{title}</h1>\n<div class="cards">\n'
        + "\n".join(draw(c) for c in chunk)
        + f"\n</div>\n{pagination_html(page, last, listing_link(base))}"
    )
    return frame(title if page == 1 else f"{title} - Page {page}", body, "archive")


def parse_search(params: dict[str, list[str]]) -> SearchQuery:
    """Read the search's type slug and its after-/before- day, month and year fields."""

    def one(name: str) -> str:
        return (params.get(name) or [""])[0].strip()

    def day(prefix: str) -> date | None:
        try:
            return date(
                int(one(f"{prefix}-year")), int(one(f"{prefix}-month")), int(one(f"{prefix}-day"))
            )
        except ValueError:
            return None

    return SearchQuery(one("pfd_report_type"), day("after"), day("before"))


def matches(card: Card, query: SearchQuery) -> bool:
    """Tell whether a card passes the search filters (date window inclusive)."""
    added = parse_iso(card.date_added)
    if query.after and added < query.after or query.before and added > query.before:
        return False
    return not query.type_slug or query.type_slug in {category_slug(c) for c in card.categories}


def render_search(cards: list[Card], query: SearchQuery, page: int, size: int, qs: str) -> str:
    """Render a page of search results; past the last page it shows no card links."""
    found = [c for c in cards if matches(c, query)]
    last = page_count(len(found), size)
    chunk = found[(page - 1) * size : page * size] if page >= 1 else []
    link = lambda n: f"/?{qs}" if n == 1 else f"/page/{n}/?{qs}"  # noqa: E731
    results = (
        "\n".join(card_html(c) for c in chunk) or '<p class="no-results">No results found.</p>'
    )
    body = (
        '<h1 class="page__title">Search results</h1>\n'
        f'<p class="search__count">{len(found)} results</p>\n'
        f'<div class="cards">\n{results}\n</div>\n'
        f"{pagination_html(page, last, link) if chunk else ''}"
    )
    return frame("Search results", body, "search")
