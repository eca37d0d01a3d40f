"""Every selector the crawler uses: pure functions from (HTML, URL) to dataclasses.

Both generations of the judiciary site are read here: the current WordPress/GOV.UK layout
(listing cards, `article.single__post`, `div.flow > p` metadata, related-content links) and the
older one (`/subject/` listing, `/publications/` pages, `div.entry-content p`, `li.pdf > a`).
When the site's layout changes, this is the one file to fix.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from crawler.areas import canonical_area
from crawler.documents import classify_page_documents, file_name
from crawler.fields import (
    clean_text,
    normalise_ref,
    one_line,
    parse_iso_datetime,
    parse_report_date,
    ref_year,
)
from crawler.labels import match_label, split_inline
from tracker.models import Document, Report, stable_id

LISTING_LINKS = {
    "current": ("h3.card__title > a.card__link", "a.card__link"),
    "legacy": ("h5.entry-title > a", ".entry-title > a"),
}
PAGE_NUMBERS = "a.page-numbers, span.page-numbers"
CONTAINERS = ("article.single__post", "article.type-pfd", "article.pfd", "div.entry-content")
METADATA_PARAGRAPHS = ("div.flow > p", "div.entry-content p", "article p")
BUTTON_LINKS = ("div.wp-block-file > a.wp-block-file__button", "a.govuk-button")
LIST_LINKS = ("li.related-content__item > a.related-content__link", "li.pdf > a")
FALLBACK_LINKS = "a[href*='/wp-content/uploads/']"
DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".odt", ".rtf")
REPORT_PATH_PREFIXES = ("prevention-of-future-death-reports", "publications")
REPORT_ARTICLES = "article.type-pfd, article.pfd, article.single__post, article.type-post"
BR_RE = re.compile(r"<br\s*/?>", re.I)
TAG_RE = re.compile(r"<[^>]+>")

Node = etree._Element  # a parsed element: selectors run on lxml directly, compiled once
_COMPILED = threading.local()  # lxml's compiled XPath objects are kept per thread


def _xpath(expression: str) -> etree.XPath:
    """Return an XPath expression compiled, once per thread."""
    cache = _COMPILED.__dict__.setdefault("expressions", {})
    found = cache.get(expression)
    if found is None:
        found = cache[expression] = etree.XPath(expression)
    return found


def _root(html: str) -> Node:
    """Parse a page as parsel does (lenient HTML parser, NULs dropped)."""
    return Selector(text=html).root


@cache
def _css_to_xpath(query: str) -> str:
    """Return a CSS query as XPath, translated as parsel's Selector.css does."""
    return css2xpath(query)


def _css(node: Node, query: str) -> list[Node]:
    """Return the elements under (or at) a node that match a CSS query."""
    return _xpath(_css_to_xpath(query))(node)


def _text(node: Node | None) -> str:
    """Return an element's whole text, as XPath's string() gives it ("" for None)."""
    return "" if node is None else str(_xpath("string()")(node))


def _html(node: Node) -> str:
    """Return an element serialised as HTML, without the text that follows it."""
    return etree.tostring(node, method="html", encoding="unicode", with_tail=False)


def _first(node: Node, query: str) -> Node | None:
    found = _css(node, query)
    return found[0] if found else None


def _first_attribute(root: Node, query: str, name: str) -> str | None:
    """Return the named attribute of the first element matching a query that has it."""
    return next((v for v in (e.get(name) for e in _css(root, query)) if v is not None), None)


@dataclass(slots=True)
class ListingPage:
    """One listing page: the entry links it holds and where paging goes next."""

    url: str
    generation: str
    links: list[str] = field(default_factory=list)
    last_page: int | None = None
    next_url: str | None = None


@dataclass(slots=True)
class ParsedPage:
    """One fetched entry page: a report with its documents, or a reason it is not one."""

    url: str
    report: Report | None = None
    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skip_reason: str = ""


def report_id_from_url(url: str) -> str:
    """Return the report id: the final slug of the URL path."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[-1] if parts else ""


def listing_generation(url: str) -> str:
    """Return which listing a URL belongs to: legacy for /subject/, else current."""
    return "legacy" if "/subject/" in urlsplit(url).path else "current"


def _first_matching(node: Node, queries: tuple[str, ...]) -> list[Node]:
    for query in queries:
        found = _css(node, query)
        if found:
            return found
    return []


def _last_page(root: Node) -> int | None:
    numbers = []
    for element in _css(root, PAGE_NUMBERS):
        numbers += [int(n) for n in re.findall(r"\d+", _text(element))]
    for anchor in _css(root, "a.page-numbers"):
        numbers += [int(n) for n in re.findall(r"/page/(\d+)", anchor.get("href", ""))]
    return max(numbers) if numbers else None


def parse_listing(html: str, url: str) -> ListingPage:
    """Return the entry links of a listing page (either generation) and its paging."""
    root = _root(html)
    generation = listing_generation(url)
    queries = (
        LISTING_LINKS[generation]
        + LISTING_LINKS["legacy" if generation == "current" else "current"]
    )
    links: list[str] = []
    for anchor in _first_matching(root, queries):
        href = anchor.get("href", "").strip()
        absolute = urljoin(url, href) if href else ""
        if absolute and absolute not in links:
            links.append(absolute)
    next_href = _first_attribute(root, "a.next, a[rel=next]", "href")
    return ListingPage(
        url=url,
        generation=generation,
        links=links,
        last_page=_last_page(root),
        next_url=urljoin(url, next_href) if next_href else None,
    )


def _element_lines(el: Node) -> list[str]:
    """Return an element's text as lines, breaking at <br> and at newlines."""
    lines = []
    for segment in BR_RE.split(_html(el)):
        text = html_lib.unescape(TAG_RE.sub("", segment))
        lines += [line for line in clean_text(text).splitlines() if line]
    return lines


def _metadata(container: Node) -> tuple[dict[str, str], list[Node]]:
    """Return the labelled fields of the metadata block and the paragraphs it used.

    Lines that carry no label continue the previous field (a recipients list over several
    lines). Scanning stops at the first unlabelled paragraph after the block, so the pasted
    report text (whose headings repeat some labels) is never read as metadata.
    """
    fields: dict[str, list[str]] = {}
    used: list[Node] = []
    current: str | None = None
    for para in _first_matching(container, METADATA_PARAGRAPHS):
        labelled = False
        for line in _element_lines(para):
            hit = match_label(line)
            if hit and hit[0] not in fields:
                current, labelled = hit[0], True
                fields[current] = [hit[1]] if hit[1] else []
            elif hit is None and current is not None and labelled:
                fields[current].append(line)
        if labelled:
            used.append(para)
        elif fields:
            break
    result = {k: "\n".join(v).strip() for k, v in fields.items()}
    for key, value in split_inline(result.get("date_of_report", "")).items():
        result.setdefault(key, value)
    return result, used


def _page_text(container: Node, used: list[Node]) -> str:
    """Return the report text pasted into the page (2023+): table rows or paragraphs."""
    rows = _css(container, "tbody.govuk-table__body > tr.govuk-table__row, table tr")
    if rows:
        blocks = ["\n".join(_cell_texts(row)) for row in rows]
        return "\n\n".join(b for b in blocks if b)
    used_html = {_html(p) for p in used}
    blocks = []
    for block in _css(container, "div.flow > p, div.flow > h2, div.flow > h3, div.flow > ol > li"):
        if _html(block) in used_html or _css(block, "a.govuk-button"):
            continue
        text = "\n".join(_element_lines(block))
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)


def _cell_texts(row: Node) -> list[str]:
    return [t for t in (one_line(_text(c)) for c in _css(row, "th, td")) if t]


def _document_links(container: Node, root: Node) -> tuple[list[tuple[str, str, bool]], bool]:
    """Return (href, text, is_button) links in page order, and whether a fallback found them."""
    found: list[tuple[str, str, bool]] = []
    for query in BUTTON_LINKS + LIST_LINKS:
        for anchor in _css(root, query):
            found.append((anchor.get("href", ""), _text(anchor), query in BUTTON_LINKS))
    if found:
        return found, False
    fallback = [
        (a.get("href", ""), _text(a), False)
        for a in _css(container, FALLBACK_LINKS)
        if a.get("href", "").lower().split("?")[0].endswith(DOCUMENT_EXTENSIONS)
    ]
    return fallback, bool(fallback)


def _documents(report: Report, links: list[tuple[str, str, bool]]) -> list[Document]:
    docs: dict[str, Document] = {}
    buttons: set[str] = set()
    for href, text, is_button in links:
        url = urljoin(report.url, href.strip())
        if not href.strip() or url == report.url:
            continue
        if is_button:
            buttons.add(url)
        if url in docs:
            continue
        docs[url] = Document(
            id=stable_id(report.id, url),
            report_id=report.id,
            url=url,
            kind="",
            link_text=one_line(text),
            file_name=file_name(url),
            position=len(docs),
        )
    documents = list(docs.values())
    classify_page_documents(documents, report.ref, report.deceased_name, buttons)
    return documents


def _categories(root: Node, category_line: str) -> list[str]:
    tags = _css(root, ".single__title + p.pill--single > a, p.pill--single > a, a[rel~=tag]")
    names = [one_line(_text(t)) for t in tags]
    if not names and category_line:
        names = re.split(r"\s*[|;\n]\s*", category_line)
    seen: list[str] = []
    for name in (one_line(n) for n in names):
        if name and name not in seen:
            seen.append(name)
    return seen


def _build_report(root: Node, url: str, meta: dict[str, str], generation: str) -> Report:
    ref_raw = one_line(meta.get("ref"))
    ref = normalise_ref(ref_raw)
    date_added = parse_iso_datetime(
        _first_attribute(root, "article time, time", "datetime")
        or _first_attribute(root, "meta[property='article:published_time']", "content")
    )
    date_raw = clean_text(meta.get("date_of_report"))
    fallback_year = ref_year(ref) or (int(date_added[:4]) if date_added else None)
    area_raw = clean_text(meta.get("coroner_area"))
    title = _text(_first(root, ".single__title, h1.entry-title, h1"))
    return Report(
        id=report_id_from_url(url),
        url=url,
        generation=generation,
        title=one_line(title),
        ref=ref,
        ref_raw=ref_raw,
        date_of_report=parse_report_date(date_raw, fallback_year),
        date_of_report_raw=date_raw,
        date_added=date_added,
        deceased_name=one_line(meta.get("deceased_name")),
        coroner_name=one_line(meta.get("coroner_name")),
        coroner_area=canonical_area(area_raw),
        coroner_area_raw=area_raw,
        categories=_categories(root, meta.get("category", "")),
        recipients_raw=clean_text(meta.get("recipients")),
        source="html",
    )


def _is_landing(root: Node, url: str) -> bool:
    """Tell a category landing page (a WordPress page, not a report post) from a report.

    A report page whose layout changed keeps its post type (`type-pfd`, `type-post`), so it
    is reported as an error, never skipped.
    """
    if _css(root, REPORT_ARTICLES):
        return False
    path = [p for p in urlsplit(url).path.split("/") if p]
    outside = not path or path[0] not in REPORT_PATH_PREFIXES
    return outside or bool(_css(root, "article.type-page, body.page"))


CORE_FIELDS = {
    "date_of_report_raw": "date of report",
    "ref_raw": "ref",
    "deceased_name": "deceased name",
    "coroner_name": "coroner name",
    "coroner_area_raw": "coroner area",
}
RECIPIENTS_EXPECTED_FROM = "2016"  # pages before 2016 mostly had no recipients line


def _missing_fields(report: Report) -> list[str]:
    missing = [label for attr, label in CORE_FIELDS.items() if not getattr(report, attr)]
    year = (report.date_of_report or report.date_added or "")[:4]
    if not report.recipients_raw and year >= RECIPIENTS_EXPECTED_FROM:
        missing.append("recipients")
    return [f"missing field on the page: {name}" for name in missing]


def _problems(report: Report, documents: list[Document], fallback: bool) -> list[str]:
    problems = _missing_fields(report)
    if not any(d.kind == "report" for d in documents):
        problems.append("no report document link found on the page")
    if fallback:
        problems.append("document links found only by the fallback selector (layout changed?)")
    if report.date_of_report_raw and not report.date_of_report:
        problems.append(f"unreadable date of report: {report.date_of_report_raw!r}")
    if report.ref_raw and not report.ref:
        problems.append(f"unreadable ref: {report.ref_raw!r}")
    return problems


def parse_report_page(html: str, url: str) -> ParsedPage:
    """Return the report, its classified documents and any problems found on its page."""
    root = _root(html)
    containers = _first_matching(root, CONTAINERS)
    container = containers[0] if containers else root
    meta, used = _metadata(container)
    if not meta:
        if _is_landing(root, url):
            return ParsedPage(url=url, skip_reason="landing page with no report data")
        return ParsedPage(url=url, problems=["no report fields found on the page"])
    generation = "current" if _css(root, "article.single__post, article.type-pfd") else "legacy"
    report = _build_report(root, url, meta, generation)
    report.page_text = _page_text(container, used)
    links, fallback = _document_links(container, root)
    documents = _documents(report, links)
    return ParsedPage(
        url=url, report=report, documents=documents, problems=_problems(report, documents, fallback)
    )
