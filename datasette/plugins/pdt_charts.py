"""The charts page, /-/charts: response rates by trust, reports per year, themes by subtype.

Each chart draws one canned query's JSON with the vendored Chart.js (datasette/static), so
what a chart shows is exactly what its query returns; the page links to each query.
"""

from __future__ import annotations

from urllib.parse import urlencode

from datasette.utils.asgi import Response

from datasette import hookimpl

SUBTYPES_SQL = """
SELECT DISTINCT nhs_trust_subtype FROM organisations
WHERE COALESCE(nhs_trust_subtype, '') != '' ORDER BY 1
"""
PREFERRED_SUBTYPE = "mental_health"


def query_url(datasette, database: str, query: str, fmt: str | None = None, **params) -> str:
    """Return the URL of a canned query (its JSON rows when fmt is 'json')."""
    args = {"_shape": "array", **params} if fmt == "json" else params
    base = datasette.urls.query(database, query, format=fmt)
    return f"{base}?{urlencode(args)}" if args else base


def chart_specs(datasette, database: str, subtype: str, as_of: str) -> list[dict[str, str]]:
    """Return the charts the page draws, each with its data and its query page."""
    specs = [
        (
            "rates-by-trust",
            "response_rate_by_trust",
            "Response rate of each trust",
            {"subtype": subtype, "as_of": as_of},
        ),
        (
            "rates-by-subtype",
            "response_rate_by_subtype",
            "Response rate by NHS trust subtype",
            {"as_of": as_of},
        ),
        (
            "reports-per-year-by-subtype",
            "reports_per_year_by_subtype",
            "Reports per year, by the NHS trust subtypes they were sent to",
            {},
        ),
        ("themes-by-subtype", "themes_by_subtype", "Themes by NHS trust subtype", {}),
    ]
    charts = []
    for kind, query, title, params in specs:
        charts.append(
            {
                "kind": kind,
                "title": title,
                "src": query_url(datasette, database, query, "json", **params),
                "page": query_url(datasette, database, query, **params),
                "totals": query_url(datasette, database, "reports_per_year", "json")
                if kind == "reports-per-year-by-subtype"
                else "",
            }
        )
    return charts


async def charts_page(request, datasette):
    """Render the charts page for one trust subtype (?subtype=) and date (?as_of=)."""
    db = datasette.get_database()
    subtypes = [row[0] for row in await db.execute(SUBTYPES_SQL)]
    default = PREFERRED_SUBTYPE if PREFERRED_SUBTYPE in subtypes else (subtypes or [""])[0]
    subtype = request.args.get("subtype", default)
    as_of = request.args.get("as_of", "")
    context = {
        "database": db.name,
        "subtypes": subtypes,
        "subtype": subtype,
        "as_of": as_of,
        "charts": chart_specs(datasette, db.name, subtype, as_of),
    }
    return Response.html(await datasette.render_template("charts.html", context, request=request))


@hookimpl
def register_routes():
    """Serve /-/charts."""
    return [(r"^/-/charts$", charts_page)]
