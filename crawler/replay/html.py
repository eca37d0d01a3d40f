"""Render the site's pages as the judiciary website shows them (see JUDICIARY_SITE.md)."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from crawler.replay.blocks import Block, report_blocks
from crawler.replay.model import DocSpec, LandingSpec, ReportSpec, category_slug, parse_iso
from crawler.replay.text import long_date
from crawler.replay.variants import FIELDS

SITE_NAME = "Courts and Tribunals Judiciary"


def href(path: str) -> str:
    """Quote a root-relative path for an href attribute."""
    return escape(quote(path, safe="/-_.~%?&=+"), quote=True)


def frame(title: str, body: str, body_class: str = "") -> str:
    """Wrap page content in the site's header, navigation and footer."""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="UTF-8">\n'
        f"<title>{escape(title)} - {SITE_NAME}</title>\n"
        '<link rel="stylesheet" href="/wp-content/themes/judiciary/dist/main.css">\n</head>\n'
        f'<body class="{body_class}">\n<header class="site-header">'
        '<div class="govuk-width-container">'
        f'<a class="site-header__logo" href="/">{SITE_NAME}</a>\n<nav class="site-nav"><ul>'
        '<li><a href="/prevention-of-future-death-reports/">Prevention of future death reports</a>'
        '</li><li><a href="/about-the-judiciary/">About the judiciary</a></li></ul></nav>'
        "</div></header>\n"
        f'<main id="main-content" class="govuk-width-container">\n{body}\n</main>\n'
        '<footer class="site-footer"><p>All content is available under the '
        '<a href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">'
        "Open Government Licence v3.0</a>, except where otherwise stated.</p></footer>\n"
        "</body>\n</html>\n"
    )


def metadata_values(spec: ReportSpec) -> dict[str, str]:
    """Return the value each metadata line prints, before any field is omitted."""
    return {
        "date_of_report": spec.date_of_report_raw,
        "ref": spec.ref_raw,
        "deceased_name": spec.deceased_name,
        "coroner_name": spec.coroner_name,
        "coroner_area": spec.coroner_area,
        "category": " | ".join(spec.categories),
        "recipients": spec.recipients_raw,
    }


def metadata_lines(spec: ReportSpec) -> list[str]:
    """Return the `Label: value` lines as HTML, skipping empty and omitted fields."""
    values = metadata_values(spec)
    lines = []
    for name in FIELDS:
        value = values[name]
        if not value or name in spec.omitted:
            continue
        label = escape(spec.labels.get(name, name))
        if spec.label_strong:
            label = f"<strong>{label}</strong>"
        # recipients written on several lines keep them: continuation lines carry no label
        text = "<br>\n".join(escape(part.strip()) for part in value.splitlines() if part.strip())
        lines.append(f"{label} {text}")
    return lines


def tags_html(categories: list[str]) -> str:
    """Render the report's type tags as pills."""
    links = " ".join(
        f'<a href="{href("/pfd-types/" + category_slug(c) + "/")}" rel="tag">{escape(c)}</a>'
        for c in categories
    )
    return f'<p class="pill pill--single">{links}</p>'


def button_html(spec: ReportSpec, docs: list[DocSpec]) -> str:
    """Render the report's PDF button in the markup of its date (govuk-button, then wp-block)."""
    doc = next((d for d in docs if d.url == spec.pdf_button), None)
    if doc is None or spec.button_style == "none":
        return ""
    if spec.button_style == "wp-block-file":
        return (
            f'<div class="wp-block-file"><a href="{href(doc.url)}">{escape(doc.file_name)}</a>'
            f'<a href="{href(doc.url)}" class="wp-block-file__button wp-element-button" download>'
            "Download</a></div>"
        )
    return f'<p><a class="govuk-button" href="{href(doc.url)}">Download the report</a></p>'


def block_html(block: Block) -> str:
    """Render one block of pasted report text."""
    if block.kind in ("title", "heading"):
        return f"<p><strong>{escape(block.text)}</strong></p>"
    return f"<p>{escape((block.number + ' ' + block.text).strip())}</p>"


def pasted_html(spec: ReportSpec, seed: int) -> str:
    """Render the report text pasted into the page: paragraphs, or a GOV.UK table."""
    blocks = report_blocks(spec, seed)
    if spec.pasted == "text":
        return "\n".join(block_html(b) for b in blocks)
    rows: list[tuple[str, list[str]]] = []
    for block in blocks[1:]:
        if block.kind == "heading":
            rows.append((block.text, []))
        elif rows:
            rows[-1][1].append(escape((block.number + " " + block.text).strip()))
    cells = "\n".join(
        f'<tr class="govuk-table__row"><td class="govuk-table__cell"><strong>{escape(h)}</strong>'
        f'</td><td class="govuk-table__cell">{"<br>".join(body)}</td></tr>'
        for h, body in rows
    )
    return (
        f'<p><strong>{escape(blocks[0].text)}</strong></p>\n<table class="govuk-table">'
        f'<tbody class="govuk-table__body">\n{cells}\n</tbody></table>'
    )


def related_html(docs: list[DocSpec]) -> str:
    """Render the list of documents linked from a report page."""
    items = "\n".join(
        f'<li class="related-content__item"><a class="related-content__link" '
        f'href="{href(d.url)}">{escape(d.link_text)}</a></li>'
        for d in docs
    )
    return (
        '<aside class="related-content"><h2 class="related-content__heading">Related content</h2>'
        f'<ul class="related-content__list">\n{items}\n</ul></aside>'
    )


def render_report(spec: ReportSpec, docs: list[DocSpec], seed: int) -> str:
    """Render a current-generation report page."""
    added = parse_iso(spec.date_added)
    meta = "<br>\n".join(metadata_lines(spec))
    pasted = pasted_html(spec, seed) if spec.pasted else ""
    body = (
        '<article class="single__post pfd type-pfd status-publish hentry">\n'
        f'<header class="single__header">\n<h1 class="single__title">{escape(spec.title)}</h1>\n'
        f"{tags_html(spec.categories)}\n"
        f'<p class="single__meta">Published <time datetime="{added.isoformat()}">'
        f"{long_date(added)}</time></p>\n</header>\n"
        f'<div class="single__content flow">\n<p>{meta}</p>\n{button_html(spec, docs)}\n'
        f"{pasted}\n</div>\n{related_html(docs) if docs else ''}\n</article>"
    )
    return frame(spec.title, body, "single single-pfd")


def render_legacy(spec: ReportSpec, docs: list[DocSpec]) -> str:
    """Render an older-generation page: /publications/<slug>/, entry-content, li.pdf links."""
    lines = metadata_lines(spec)
    if spec.one_paragraph:
        paragraphs = f"<p>{'<br>'.join(lines)}</p>"
    else:
        paragraphs = "\n".join(f"<p>{line}</p>" for line in lines)
    links = "\n".join(
        f'<li class="pdf"><a href="{href(d.url)}">{escape(d.link_text)}</a></li>' for d in docs
    )
    stamp = f"{spec.date_added}T09:00:00+00:00"
    body = (
        '<article class="post type-post status-publish format-standard hentry">\n'
        f'<header class="entry-header"><h1 class="entry-title">{escape(spec.title)}</h1>'
        f'<div class="entry-meta"><time class="entry-date published" datetime="{stamp}">'
        f"{long_date(parse_iso(spec.date_added))}</time></div></header>\n"
        f'<div class="entry-content">\n{paragraphs}\n<ul class="documents">\n{links}\n</ul>\n'
        "</div>\n</article>"
    )
    return frame(spec.title, body, "single single-post")


def render_landing(landing: LandingSpec) -> str:
    """Render a category landing page: it looks like a page but holds no report data."""
    search = f"/?s&pfd_report_type={category_slug(landing.category)}&post_type=pfd"
    body = (
        '<article class="page type-page status-publish">\n'
        f'<h1 class="page__title">{escape(landing.title)}</h1>\n<div class="page__content flow">\n'
        "<p>Reports of this type are now listed with all other prevention of future deaths "
        "reports.</p>\n"
        f'<p><a href="{href(search)}">Search reports of this type</a></p>\n</div>\n</article>'
    )
    return frame(landing.title, body, "page")


def render_not_found() -> str:
    """Render the site's 404 page."""
    return frame("Page not found", '<h1 class="page__title">Page not found</h1>', "error404")


def render_home() -> str:
    """Render a minimal home page that links to both listings."""
    body = (
        '<h1 class="page__title">Courts and Tribunals Judiciary</h1>\n<ul>'
        '<li><a href="/prevention-of-future-death-reports/">Prevention of future death reports'
        '</a></li><li><a href="/subject/prevention-of-future-deaths/">Archive</a></li></ul>'
    )
    return frame("Home", body, "home")
