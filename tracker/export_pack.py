"""Build a briefing pack in memory: run the pack's SQL, collect its notes, draw its charts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlite_utils
from rich.progress import track

from tracker.export_sql import NOTE_QUERIES, QUERIES, SCOPE, TRACKING, Query

if TYPE_CHECKING:
    from tracker.export import Filters

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Table:
    """The result of one pack query, with the SQL and parameters that made it."""

    query: Query
    columns: list[str]
    rows: list[tuple]
    params: dict[str, Any]
    absent: str = ""  # why the table could not be built (a missing source table)

    @property
    def name(self) -> str:
        return self.query.name

    @property
    def title(self) -> str:
        return self.query.title

    def records(self) -> list[dict[str, Any]]:
        """Return the rows as dicts keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(slots=True)
class Chart:
    """One PNG chart and the table it was drawn from."""

    name: str
    title: str
    png: bytes
    source: str


@dataclass(slots=True)
class Pack:
    """Everything a briefing pack shows, before it is written in any format."""

    title: str
    scope: list[tuple[str, str]]
    params: dict[str, Any]
    tables: dict[str, Table]
    notes: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    scope_sql: str = SCOPE

    def summary(self) -> dict[str, Any]:
        """Return the key figures as one dict."""
        records = self.tables["summary"].records()
        return records[0] if records else {}

    def table(self, name: str) -> list[dict[str, Any]]:
        """Return one table's rows as dicts (empty when it could not be built)."""
        return self.tables[name].records() if name in self.tables else []


def run_query(db: sqlite_utils.Database, query: Query, params: dict[str, Any]) -> Table:
    """Run one pack query, or return it empty saying which source table is missing."""
    missing = [t for t in query.needs if t not in db.table_names()]
    if missing:
        return Table(query, [], [], params, absent=f"not built: {', '.join(missing)} missing")
    cursor = db.execute(query.full_sql(), params)
    columns = [d[0] for d in cursor.description]
    return Table(query, columns, [tuple(row) for row in cursor.fetchall()], params)


def run_queries(db: sqlite_utils.Database, params: dict[str, Any], progress: bool) -> list[Table]:
    """Run every pack query in order, with a progress bar when asked."""
    queries = track(QUERIES, description="export: queries") if progress else QUERIES
    return [run_query(db, query, params) for query in queries]


def note_figure(db: sqlite_utils.Database, name: str, params: dict[str, Any]) -> tuple:
    """Run one of the notes' queries and return its first row (empty when none)."""
    _title, sql = NOTE_QUERIES[name]
    return tuple(db.execute(sql, params).fetchone() or ())


def status_as_of(db: sqlite_utils.Database) -> list[str]:
    """Return the as-of dates the stored response statuses were computed for, if recorded."""
    if "as_of" not in db[TRACKING["status_table"]].columns_dict:
        return []
    _title, sql = NOTE_QUERIES["status_as_of"]
    return [row[0] for row in db.execute(sql).fetchall() if row[0]]


def merge_notes(pack_tables: dict[str, Table], filters: Filters) -> list[str]:
    """Say which reports count under a successor trust as well as the trust they went to."""
    notes = []
    for row in pack_tables["merged_trusts"].records():
        notes.append(
            f"{row['reports']} report(s) sent to {row['sent_to_predecessor']} also count under "
            f"{row['successor']}, which it merged into"
            + (f" on {row['predecessor_merged_on']}" if row["predecessor_merged_on"] else "")
            + "."
        )
    return notes


def matching_notes(tables: dict[str, Table]) -> list[str]:
    """Say how many requests were tied to an organisation by name alone."""
    by_basis = {r["match_basis"]: r["requests"] for r in tables["matching"].records()}
    if not by_basis.get("name"):
        return []
    return [
        f"{by_basis['name']} request(s) came from an imported export's recipient names and were "
        "matched to the organisation register by exact name or alias when the pack was built."
    ]


def successor_note(db: sqlite_utils.Database, filters: Filters) -> list[str]:
    """Say when the organisation asked for has merged into another, which also counts them."""
    if not filters.organisation_id:
        return []
    row = note_figure(db, "successor", filters.params())
    if not row:
        return []
    when = f" on {row[1]}" if row[1] else ""
    return [
        f"{filters.organisation} merged into {row[0]}{when}: its reports also count under "
        f"{row[0]}, whose own pack includes them."
    ]


def typing_notes(db: sqlite_utils.Database, filters: Filters) -> list[str]:
    """Warn when no organisation in the store has the subtype asked for."""
    if not filters.subtypes or note_figure(db, "typed_organisations", filters.params())[0]:
        return []
    return [
        f"No organisation in the store has subtype {', '.join(filters.subtypes)}: the "
        "organisation register is not loaded (run `pdt classify`), so this pack is empty."
    ]


def coverage_notes(db: sqlite_utils.Database, filters: Filters) -> list[str]:
    """Say what the store lacks for this window: undated reports, imports, late coverage."""
    params = filters.params()
    notes = []
    undated = note_figure(db, "undated_reports", params)[0]
    if undated:
        notes.append(
            f"{undated} report(s) in the store have no date of report; no window has them."
        )
    imported = note_figure(db, "imported_reports", params)[0]
    if imported:
        notes.append(
            f"{imported} report(s) up to {filters.date_to} were loaded from a CSV export "
            "(`pdt import`), not crawled: an incomplete export lacks reports, and response "
            "statuses rest on its recipient and reply counts."
        )
    latest = note_figure(db, "latest_report", params)[0]
    if latest and latest < filters.date_to:
        notes.append(f"The store holds no report dated after {latest}; the window ends later.")
    return notes


def status_notes(db: sqlite_utils.Database, filters: Filters) -> list[str]:
    """Explain the response rate, and warn when statuses were computed for another date."""
    notes = [
        "Response rate = responded / (responded + overdue) recipients; recipients still "
        "within their 56 days (pending) or whose status is unknown are left out of it. "
        "Overall figures count each recipient once; per-organisation rows count a report "
        "to a merged trust under both the trust and its successor.",
        "Reports complete = reports whose every recipient has a response (the tracking "
        "stage's report status), as a share of reports past their due date: the measure the "
        "Preventable Deaths Tracker publishes. A trust's own response rate can be higher.",
    ]
    dates = status_as_of(db)
    if dates and dates != [filters.as_of.isoformat()]:
        notes.append(
            f"Response statuses were computed as of {', '.join(dates)} (`pdt analyse "
            f"--as-of`), not {filters.as_of.isoformat()}."
        )
    return notes


def scope_notes(filters: Filters) -> list[str]:
    """Say how the slice was chosen."""
    notes = []
    if len(filters.subtypes) > 1:
        notes.append(
            f"Trust subtype {filters.subtype!r} covers the stored subtypes "
            f"{', '.join(filters.subtypes)}."
        )
    return notes


def build_pack(
    db: sqlite_utils.Database, filters: Filters, extra_notes: list[str], progress: bool = False
) -> Pack:
    """Run the pack's queries and assemble its notes and charts."""
    from tracker.export_charts import draw_charts

    params = filters.params()
    tables = {t.name: t for t in run_queries(db, params, progress)}
    notes = scope_notes(filters) + status_notes(db, filters)
    notes += merge_notes(tables, filters) + successor_note(db, filters)
    notes += matching_notes(tables) + typing_notes(db, filters) + coverage_notes(db, filters)
    notes += [f"{t.title}: {t.absent}." for t in tables.values() if t.absent]
    pack = Pack(filters.title(), filters.describe(), params, tables, notes + extra_notes)
    pack.charts = draw_charts(pack)
    return pack


def best_and_worst(organisations: list[dict[str, Any]], min_due: int = 5) -> list[str]:
    """Name the highest and lowest response rates (enough due) and who never responded."""
    lines = []
    due = [o for o in organisations if (o["responded"] or 0) + (o["overdue"] or 0) >= min_due]
    ranked = sorted(due, key=lambda o: (-o["response_rate_pct"], o["organisation"]))
    lowest = sorted(due, key=lambda o: (o["response_rate_pct"], o["organisation"]))
    if ranked:
        lines.append(
            "Highest response rates: "
            + "; ".join(f"{o['organisation']} {o['response_rate_pct']}%" for o in ranked[:3])
            + f" (organisations with at least {min_due} responses due)."
        )
        lines.append(
            "Lowest: "
            + "; ".join(f"{o['organisation']} {o['response_rate_pct']}%" for o in lowest[:3])
            + "."
        )
    silent = [
        f"{o['organisation']} ({o['overdue']} overdue)"
        for o in organisations
        if o["overdue"] and not o["responded"]
    ]
    if silent:
        lines.append(f"No response recorded from: {'; '.join(silent)}.")
    return lines


def headlines(pack: Pack) -> list[str]:
    """Return the one-page summary as short sentences, each drawn from a pack table."""
    s = pack.summary()
    if not s or not s.get("reports"):
        return ["No reports match this slice."]
    lines = [
        f"{s['reports']} reports dated {s['first_report']} to {s['last_report']} were sent to "
        f"{s['organisations']} organisations ({s['recipients']} recipients in scope).",
        f"Response rate {s['response_rate_pct']}%: {s['responded'] or 0} responded, "
        f"{s['overdue'] or 0} overdue, {s['pending'] or 0} pending, {s['unknown'] or 0} unknown. "
        f"Reports complete (every recipient responded): {s['reports_complete_pct']}%.",
    ]
    lines += best_and_worst(pack.table("organisations"))
    years = [y for y in pack.table("reports_by_year") if y["year"]]
    if years:
        top = max(years, key=lambda y: (y["reports"], y["year"]))
        lines.append(f"Most reports in {top['year']} ({top['reports']}).")
    overdue = pack.table("overdue")
    if overdue:
        o = overdue[0]
        lines.append(
            f"{len(overdue)} responses overdue; the longest: {o['ref'] or 'no ref'} to "
            f"{o['sent_to']}, {o['days_overdue']} days."
        )
    themes = pack.table("themes")[:3]
    if themes:
        lines.append("Top themes: " + "; ".join(f"{t['theme']} ({t['reports']})" for t in themes))
    gaps = pack.table("missing_refs")
    if gaps:
        total = sum(g["missing_refs"] for g in gaps)
        lines.append(f"{total} refs are missing from the whole site's sequence in these years.")
    lines += foi_headline(pack.table("foi_lists"))
    return lines


def foi_headline(lists: list[dict[str, Any]]) -> list[str]:
    """Sum up the FOI lists reconciled for this slice."""
    if not lists:
        return []
    total = {k: sum(row[k] or 0 for row in lists) for k in ("matched", "missing_from_site")}
    located = sum(row["not_located"] or 0 for row in lists)
    return [
        f"FOI: {len(lists)} list(s) reconciled; {total['matched']} reports matched, "
        f"{total['missing_from_site']} listed but not on the site, {located} on the site "
        "but not listed."
    ]


SUMMARY_TABLES = (
    # title, source table, columns, rows
    (
        "Organisations with most reports",
        "organisations",
        (
            "organisation",
            "reports",
            "response_rate_pct",
            "reports_complete_pct",
            "overdue",
            "max_days_overdue",
        ),
        10,
    ),
    ("Longest overdue responses", "overdue", ("ref", "sent_to", "due_date", "days_overdue"), 5),
    ("Top themes", "themes", ("theme", "reports", "representative_concern"), 5),
)


@dataclass(slots=True)
class Excerpt:
    """A few rows and columns of a pack table, for the one-page summary."""

    title: str
    source: str
    columns: tuple[str, ...]
    rows: list[tuple]


def clip(value: Any, width: int = 160) -> Any:
    """Return long text cut to a width, with an ellipsis."""
    if isinstance(value, str) and len(value) > width:
        return value[: width - 1].rstrip() + "…"
    return value


def excerpts(pack: Pack) -> list[Excerpt]:
    """Return the summary's short tables, each cut from a full pack table."""
    found = []
    for title, source, columns, limit in SUMMARY_TABLES:
        rows = pack.table(source)[:limit]
        if rows:
            found.append(
                Excerpt(title, source, columns, [tuple(clip(r[c]) for c in columns) for r in rows])
            )
    return found
