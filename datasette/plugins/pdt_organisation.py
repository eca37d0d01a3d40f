"""A page per organisation: /-/organisation/<id>[?as_of=YYYY-MM-DD][&_format=json].

Its reports, each request's status on the as-of date (default: the date of the last
`pdt analyse`), overdue responses with days overdue, its themes, and links to the report and
response PDFs on the judiciary website. Requests sent to a trust that later merged into this one
are included, marked with the trust they were sent to. Statuses follow tracker.status: a
response counts whenever it was published, so only overdue versus pending moves with the date.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import unquote

from datasette.utils import sqlite_timelimit, tilde_encode
from datasette.utils.asgi import BadRequest, NotFound, Response

from datasette import hookimpl

ORGANISATION_SQL = """
SELECT o.*, succ.name AS successor_name
FROM organisations o LEFT JOIN organisations succ ON succ.id = o.successor_id
WHERE o.id = :id
"""

PREDECESSORS_SQL = """
SELECT l.organisation_id AS id, o.name, o.merged_on, l.depth
FROM organisation_lineage l JOIN organisations o ON o.id = l.organisation_id
WHERE l.counted_as_id = :id AND l.depth > 0 ORDER BY l.depth, o.name
"""

ALIASES_SQL = "SELECT alias, kind FROM organisation_aliases WHERE organisation_id = :id ORDER BY 1"

# One row per request for a response made to this organisation or to a predecessor.
REQUESTS_SQL = """
WITH st AS (
  SELECT rs.*, l.depth,
         CASE
           WHEN rs.status = 'responded' THEN 'responded'
           WHEN rs.due_date IS NULL THEN 'unknown'
           WHEN rs.due_date < :as_of THEN
             CASE WHEN rs.status_basis = 'unattributed_replies' THEN 'unknown' ELSE 'overdue' END
           ELSE 'pending'
         END AS status_then
  FROM organisation_lineage l
  JOIN recipient_status rs ON rs.organisation_id = l.organisation_id
  WHERE l.counted_as_id = :id AND rs.recipient_id != ''
    AND COALESCE(rs.date_of_report <= :as_of, 1)
)
SELECT st.recipient_id, st.report_id, st.status_then AS status, st.status_basis, st.due_date,
       st.depth, st.organisation_name AS sent_to, st.recipient,
       CASE WHEN st.status_then = 'overdue'
            THEN CAST(julianday(:as_of) - julianday(st.due_date) AS INTEGER) END AS days_overdue,
       CASE WHEN st.status_then = 'pending'
            THEN CAST(julianday(st.due_date) - julianday(:as_of) AS INTEGER) END AS days_left,
       rep.ref, rep.date_of_report, rep.deceased_name, rep.coroner_area, rep.removed_at,
       rep.url AS report_url,
       (SELECT d.url FROM documents d WHERE d.report_id = rep.id AND d.kind = 'report'
        ORDER BY d.position LIMIT 1) AS report_pdf,
       (SELECT json_group_array(d.url) FROM json_each(COALESCE(st.response_document_ids, '[]')) j
        JOIN documents d ON d.id = j.value) AS response_pdfs
FROM st JOIN reports rep ON rep.id = st.report_id
ORDER BY rep.date_of_report DESC, rep.ref DESC, st.position
"""

THEMES_SQL = """
SELECT t.id, t.label, COUNT(DISTINCT rt.report_id) AS reports
FROM report_themes rt JOIN themes t ON t.id = rt.theme_id
WHERE rt.report_id IN (
  SELECT rs.report_id FROM organisation_lineage l
  JOIN recipient_status rs ON rs.organisation_id = l.organisation_id
  WHERE l.counted_as_id = :id AND rs.recipient_id != ''
    AND COALESCE(rs.date_of_report <= :as_of, 1))
GROUP BY t.id ORDER BY reports DESC, t.label
"""

STATUSES = ("responded", "overdue", "pending", "unknown")


def parse_as_of(value: str | None, default: str) -> str:
    """Return the as-of date as ISO text; raise ValueError on anything but YYYY-MM-DD."""
    if not value:
        return default
    return date.fromisoformat(value).isoformat()


def fetch_all(conn, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a query on a connection and return its rows as dicts."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def default_as_of(conn) -> str:
    """Return the date of the last status analysis, else today."""
    row = conn.execute("SELECT MAX(as_of) FROM recipient_status").fetchone()
    return row[0] if row and row[0] else date.today().isoformat()


def request_row(row: Any) -> dict[str, Any]:
    """Turn a request row into a dict, its response PDFs decoded."""
    item = dict(row)
    item["response_pdfs"] = json.loads(item["response_pdfs"] or "[]")
    return item


def summarise(requests: list[dict[str, Any]]) -> dict[str, Any]:
    """Count requests and reports by status, with the response rate."""
    counts = Counter(r["status"] for r in requests)
    total = len(requests)
    summary: dict[str, Any] = {s: counts.get(s, 0) for s in STATUSES}
    summary["requests"] = total
    summary["reports"] = len({r["report_id"] for r in requests})
    summary["response_rate"] = round(100.0 * counts["responded"] / total, 1) if total else None
    due = counts["responded"] + counts["overdue"]
    summary["responded_of_due_pct"] = round(100.0 * counts["responded"] / due, 1) if due else None
    return summary


def organisation_context(conn, organisation_id: str, as_of: str) -> dict[str, Any] | None:
    """Gather everything the organisation page shows, or None if there is no such organisation."""
    params = {"id": organisation_id, "as_of": as_of}
    org = fetch_all(conn, ORGANISATION_SQL, params)
    if not org:
        return None
    requests = [request_row(r) for r in fetch_all(conn, REQUESTS_SQL, params)]
    overdue = sorted(
        (r for r in requests if r["status"] == "overdue"), key=lambda r: -r["days_overdue"]
    )
    return {
        "organisation": org[0],
        "predecessors": fetch_all(conn, PREDECESSORS_SQL, params),
        "aliases": fetch_all(conn, ALIASES_SQL, params),
        "as_of": as_of,
        "summary": summarise(requests),
        "requests": requests,
        "overdue": overdue,
        "themes": fetch_all(conn, THEMES_SQL, params),
    }


async def load_context(datasette, db, organisation_id: str, as_of_arg: str | None) -> dict:
    """Run every query of the page in one trip to a database thread, under the time limit."""
    try:
        asked = parse_as_of(as_of_arg, "")
    except ValueError as exc:
        raise BadRequest("as_of must be a date written YYYY-MM-DD") from exc
    limit_ms = datasette.setting("sql_time_limit_ms")

    def gather(conn):
        with sqlite_timelimit(conn, limit_ms):
            return organisation_context(conn, organisation_id, asked or default_as_of(conn))

    context = await db.execute_fn(gather)
    if context is None:
        raise NotFound(f"No organisation with id {organisation_id!r}")
    return context


async def organisation_page(request, datasette):
    """Render one organisation's page, or its data as JSON with ?_format=json."""
    db = datasette.get_database()
    organisation_id = unquote(request.url_vars["organisation_id"])
    context = await load_context(datasette, db, organisation_id, request.args.get("as_of"))
    if request.args.get("_format") == "json":
        return Response.json(context)
    context["database"] = db.name
    context["row_url"] = datasette.urls.row(db.name, "organisations", tilde_encode(organisation_id))
    return Response.html(
        await datasette.render_template("organisation.html", context, request=request)
    )


@hookimpl
def register_routes():
    """Serve /-/organisation/<id>."""
    return [(r"^/-/organisation/(?P<organisation_id>[^/]+)$", organisation_page)]
