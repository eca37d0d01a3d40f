"""Cell rendering and navigation for the tracker's Datasette: search snippets, organisation links.

Search queries mark matches in their `snippet` column with [[ and ]]; the text is escaped first,
then the markers become <mark>, so a snippet can never inject HTML. Organisation ids in query
results, and in the organisations table, link to the organisation's page.
"""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup, escape

from datasette import hookimpl

ORGANISATION_COLUMNS = {"organisation_id", "counted_as_id", "trust_id", "sent_to_id"}


def mark_snippet(text: str) -> Markup:
    """Return a snippet as safe HTML with its [[matches]] in <mark>."""
    escaped = str(escape(text))
    return Markup(escaped.replace("[[", "<mark>").replace("]]", "</mark>"))


def organisation_link(datasette, organisation_id: str, text: str) -> Markup:
    """Return a link to an organisation's page."""
    href = datasette.urls.path(f"/-/organisation/{quote(organisation_id, safe='')}")
    return Markup('<a href="{}">{}</a>').format(href, text)


def published_database(datasette) -> str | None:
    """Return the name of the published database (the first that is not internal)."""
    return next((n for n in datasette.databases if n not in ("_internal", "_memory")), None)


@hookimpl
def render_cell(row, value, column, table, datasette):
    """Highlight search snippets; link organisation ids and names to their page."""
    if not isinstance(value, str) or not value:
        return None
    if column == "snippet" and table is None:
        return mark_snippet(value)
    if table is None and column in ORGANISATION_COLUMNS:
        return organisation_link(datasette, value, value)
    if table == "organisations" and column == "name" and row["id"]:
        return organisation_link(datasette, row["id"], value)
    return None


@hookimpl
def menu_links(datasette):
    """Add the charts, the organisation finder and the two searches to the menu."""
    links = [{"href": datasette.urls.path("/-/charts"), "label": "Charts"}]
    db = published_database(datasette)
    if db:
        base = datasette.urls.database(db)
        links += [
            {"href": f"{base}/organisations_overview", "label": "Organisations"},
            {"href": f"{base}/search_reports", "label": "Search reports"},
            {"href": f"{base}/search_responses", "label": "Search responses"},
        ]
    return links
