"""Every SQL statement a briefing pack runs, in one place, so each figure can be traced.

A pack's tables all share one scope: the common table expressions in ``SCOPE``. Each table's
query is ``SCOPE`` followed by its own SELECT, run with the same named parameters; the pack's
appendix prints both. Tables owned by the tracking stage (response statuses, reference gaps,
FOI lists) are read, never recomputed here; their names and columns are set in ``TRACKING``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Tables and columns written by the tracking stage (`pdt analyse`).
TRACKING = {
    "status_table": "recipient_status",
    "report_status_table": "report_status",
    "status_id": "id",
    "status_recipient": "recipient_id",
    "status": "status",
    "status_due": "due_date",
    "status_days": "days_overdue",
    "gaps_table": "ref_gaps",
    "gaps_year": "year",
    "gaps_ref": "ref",
}

REQUIRED_TABLES = {
    "reports": "pdt crawl or pdt import",
    "organisations": "pdt classify",
    "organisation_lineage": "pdt classify",
    TRACKING["status_table"]: "pdt analyse",
    TRACKING["report_status_table"]: "pdt analyse",
}


def name_key(column: str) -> str:
    """Return SQL comparing a name case-blind, with curly apostrophes made straight."""
    return f"replace(replace(lower({column}), char(8217), char(39)), char(8216), char(39))"


# One row of recipient_status is one request for a response. A request whose recipient was
# never matched to the register (e.g. one taken from an imported export's "Sent to" list) is
# matched here by exact name or alias. A request to a trust that later merged counts under the
# trust it was sent to and under every successor (the organisation_lineage view).
SCOPE = """WITH register_names(name, organisation_id, is_alias) AS (
  SELECT name, id, 0 FROM organisations WHERE name IS NOT NULL
  UNION ALL
  SELECT alias, organisation_id, 1 FROM organisation_aliases
),
names AS (  -- a register name, else an alias shared by no other organisation
  SELECT name_key, organisation_id FROM (
    SELECT {key_name} AS name_key,
           COALESCE(MIN(CASE WHEN is_alias = 0 THEN organisation_id END),
                    CASE WHEN COUNT(DISTINCT organisation_id) = 1 THEN MIN(organisation_id) END)
             AS organisation_id
    FROM register_names GROUP BY 1)
  WHERE organisation_id IS NOT NULL
),
requests AS (
  SELECT s.{status_id} AS request_id, s.report_id, s.{status}, s.{status_due} AS due_date,
         s.{status_days} AS days_overdue, s.nhs_trust_subtype AS status_subtype,
         COALESCE(NULLIF(s.organisation_name, ''), s.recipient, '(unnamed)') AS sent_to_name,
         COALESCE(NULLIF(s.organisation_id, ''), n.organisation_id) AS organisation_id,
         CASE WHEN NULLIF(s.organisation_id, '') IS NOT NULL THEN 'register'
              WHEN n.organisation_id IS NOT NULL THEN 'name'
              ELSE 'none' END AS match_basis
  FROM {status_table} s
  LEFT JOIN names n ON n.name_key = {key_status}
  WHERE s.{status_recipient} != ''
),
chain AS (
  SELECT q.request_id, COALESCE(l.depth, 0) AS depth,
         COALESCE(l.counted_as_id, q.organisation_id, 'name:' || q.sent_to_name) AS org_key,
         COALESCE(q.organisation_id, 'name:' || q.sent_to_name) AS sent_key
  FROM requests q LEFT JOIN organisation_lineage l ON l.organisation_id = q.organisation_id
),
in_window AS (
  SELECT rep.* FROM reports rep
  WHERE rep.date_of_report <= :date_to
    AND (:date_from IS NULL OR rep.date_of_report >= :date_from)
    AND (:area IS NULL OR rep.coroner_area = :area COLLATE NOCASE)
    AND (:theme_id IS NULL OR EXISTS (
      SELECT 1 FROM report_themes rt WHERE rt.report_id = rep.id AND rt.theme_id = :theme_id))
),
scoped AS (
  SELECT c.request_id, c.org_key, c.sent_key, c.depth, q.match_basis, rep.id AS report_id,
         rep.ref, rep.date_of_report, substr(rep.date_of_report, 1, 4) AS year,
         rep.coroner_area, rep.deceased_name, rep.url,
         CASE WHEN c.depth = 0 THEN COALESCE(o.name, q.sent_to_name) ELSE o.name END
           AS organisation,
         CASE WHEN c.depth = 0 THEN COALESCE(o.nhs_trust_subtype, q.status_subtype)
              ELSE o.nhs_trust_subtype END AS subtype,
         COALESCE(sent.name, q.sent_to_name) AS sent_to,
         succ.name AS merged_into, o.merged_on, sent.merged_on AS sent_merged_on,
         COALESCE(q.status, 'unknown') AS status, q.due_date, q.days_overdue,
         rst.status AS report_status
  FROM chain c
  JOIN requests q ON q.request_id = c.request_id
  JOIN in_window rep ON rep.id = q.report_id
  LEFT JOIN organisations o ON o.id = c.org_key
  LEFT JOIN organisations sent ON sent.id = c.sent_key
  LEFT JOIN organisations succ ON succ.id = o.successor_id
  LEFT JOIN {report_status_table} rst ON rst.report_id = rep.id
  WHERE (:subtypes IS NULL
         OR (CASE WHEN c.depth = 0 THEN COALESCE(o.nhs_trust_subtype, q.status_subtype)
                  ELSE o.nhs_trust_subtype END) IN (SELECT value FROM json_each(:subtypes)))
    AND (:organisation_id IS NULL OR c.org_key = :organisation_id)
),
scoped_reports AS (
  SELECT id AS report_id FROM in_window
  WHERE (:subtypes IS NULL AND :organisation_id IS NULL)
     OR id IN (SELECT report_id FROM scoped)
),
recipients_once AS (
  SELECT request_id, report_id, status, sent_to, match_basis, MIN(depth) AS depth
  FROM scoped GROUP BY request_id
)""".format(
    **TRACKING,
    key_name=name_key("name"),
    key_status=name_key("s.organisation_name"),
)

RATE = "ROUND(100.0 * {r} / NULLIF({r} + {o}, 0), 1)"


def rate(responded: str, overdue: str) -> str:
    """Return SQL for a response rate in percent: responded / (responded + overdue)."""
    return RATE.format(r=responded, o=overdue)


def counts(alias: str = "") -> str:
    """Return SQL summing recipients by status (columns responded, overdue, pending, unknown)."""
    col = f"{alias}.status" if alias else "status"
    return ",\n  ".join(
        f"SUM({col} = '{name}') AS {name}"
        for name in ("responded", "overdue", "pending", "unknown")
    )


SUMMARY = f"""SELECT
  (SELECT COUNT(*) FROM scoped_reports) AS reports,
  (SELECT COUNT(DISTINCT sent_key) FROM scoped) AS organisations,
  (SELECT COUNT(DISTINCT sent_key) FROM scoped WHERE sent_key LIKE 'name:%')
    AS organisations_not_in_register,
  (SELECT COUNT(*) FROM recipients_once) AS recipients,
  (SELECT SUM(status = 'responded') FROM recipients_once) AS responded,
  (SELECT SUM(status = 'overdue') FROM recipients_once) AS overdue,
  (SELECT SUM(status = 'pending') FROM recipients_once) AS pending,
  (SELECT SUM(status = 'unknown') FROM recipients_once) AS unknown,
  (SELECT {rate("SUM(status = 'responded')", "SUM(status = 'overdue')")}
     FROM recipients_once) AS response_rate_pct,
  (SELECT MIN(date_of_report) FROM in_window
     WHERE id IN (SELECT report_id FROM scoped_reports)) AS first_report,
  (SELECT MAX(date_of_report) FROM in_window
     WHERE id IN (SELECT report_id FROM scoped_reports)) AS last_report,
  (SELECT COUNT(*) FROM {TRACKING["report_status_table"]}
     WHERE report_id IN (SELECT report_id FROM scoped_reports) AND status = 'complete')
    AS reports_complete,
  (SELECT ROUND(100.0 * SUM(r.status = 'complete') / NULLIF(COUNT(*), 0), 1)
     FROM scoped_reports s JOIN {TRACKING["report_status_table"]} r ON r.report_id = s.report_id
     WHERE r.status NOT IN ('pending', 'no_recipients', 'unknown')) AS reports_complete_pct"""

ORGANISATIONS = f"""SELECT organisation, subtype, org_key NOT LIKE 'name:%' AS in_register,
  COUNT(DISTINCT report_id) AS reports,
  {counts()},
  {rate("SUM(status = 'responded')", "SUM(status = 'overdue')")} AS response_rate_pct,
  COUNT(DISTINCT CASE WHEN report_status = 'complete' THEN report_id END) AS reports_complete,
  ROUND(100.0 * COUNT(DISTINCT CASE WHEN report_status = 'complete' THEN report_id END)
    / NULLIF(COUNT(DISTINCT CASE WHEN report_status NOT IN ('pending', 'no_recipients',
      'unknown') THEN report_id END), 0), 1) AS reports_complete_pct,
  MAX(days_overdue) AS max_days_overdue,
  merged_into, merged_on,
  GROUP_CONCAT(DISTINCT CASE WHEN depth > 0 THEN sent_to END) AS includes_reports_sent_to
FROM scoped
GROUP BY org_key
ORDER BY reports DESC, organisation"""

OVERDUE = """SELECT ref, date_of_report, deceased_name, coroner_area, sent_to,
  GROUP_CONCAT(organisation, '; ') AS counted_under, due_date,
  MAX(days_overdue) AS days_overdue, url
FROM scoped
WHERE status = 'overdue'
GROUP BY request_id
ORDER BY days_overdue DESC, date_of_report"""

BY_YEAR = f"""SELECT year,
  COUNT(DISTINCT report_id) AS reports,
  COUNT(request_id) AS recipients,
  {counts()},
  {rate("SUM(status = 'responded')", "SUM(status = 'overdue')")} AS response_rate_pct
FROM (SELECT rep.report_id, substr(w.date_of_report, 1, 4) AS year, o.request_id, o.status
      FROM scoped_reports rep JOIN in_window w ON w.id = rep.report_id
      LEFT JOIN recipients_once o ON o.report_id = rep.report_id)
GROUP BY year
ORDER BY year"""

THEMES = """SELECT t.label AS theme, t.id AS theme_id,
  COUNT(DISTINCT rt.report_id) AS reports,
  ROUND(100.0 * COUNT(DISTINCT rt.report_id) / (SELECT COUNT(*) FROM scoped_reports), 1)
    AS share_pct,
  (SELECT substr(c.text, 1, 240) FROM concern_themes ct
     JOIN concerns c ON c.id = ct.concern_id
     WHERE ct.theme_id = t.id AND c.report_id IN (SELECT report_id FROM scoped_reports)
     ORDER BY ct.score DESC, ABS(LENGTH(c.text) - 200), c.id LIMIT 1) AS representative_concern
FROM report_themes rt JOIN themes t ON t.id = rt.theme_id
WHERE rt.report_id IN (SELECT report_id FROM scoped_reports)
GROUP BY t.id
ORDER BY reports DESC, theme"""

AREAS = """SELECT COALESCE(w.coroner_area, '(none)') AS coroner_area, COUNT(*) AS reports
FROM scoped_reports rep JOIN in_window w ON w.id = rep.report_id
GROUP BY w.coroner_area
ORDER BY reports DESC, coroner_area"""

MERGED = """SELECT organisation AS successor, sent_to AS sent_to_predecessor,
  sent_merged_on AS predecessor_merged_on,
  COUNT(DISTINCT report_id) AS reports
FROM scoped s
WHERE depth > 0
GROUP BY org_key, sent_key
ORDER BY successor, sent_to_predecessor"""


MATCHING = """SELECT match_basis, COUNT(*) AS requests
FROM recipients_once GROUP BY match_basis ORDER BY requests DESC"""

REPORTS = """SELECT w.ref, w.date_of_report, w.deceased_name, w.coroner_area,
  (SELECT GROUP_CONCAT(sent_to || ' (' || status || ')', '; ') FROM recipients_once o
     WHERE o.report_id = w.id) AS recipients_in_scope,
  w.url
FROM scoped_reports rep JOIN in_window w ON w.id = rep.report_id
ORDER BY w.date_of_report, w.ref"""

MISSING_REFS = """SELECT {gaps_year} AS year, COUNT(*) AS missing_refs,
  SUM(cause = 'never_seen') AS never_seen, SUM(cause = 'removed') AS removed,
  SUM(cause = 'malformed_only') AS malformed_only,
  GROUP_CONCAT({gaps_ref}, ', ') AS refs
FROM (SELECT * FROM {gaps_table} ORDER BY {gaps_year}, {gaps_ref})
WHERE {gaps_year} BETWEEN CAST(COALESCE(substr(:date_from, 1, 4), '0') AS INTEGER)
                      AND CAST(substr(:date_to, 1, 4) AS INTEGER)
GROUP BY {gaps_year}
ORDER BY {gaps_year}""".format(**TRACKING)

# FOI lists are per organisation: a pack shows the lists of the organisations in its slice
# (its trust and the trusts merged into it, or every trust of its subtype).
FOI_IN_SCOPE = """(:organisation_id IS NULL OR l.organisation_id IN (
     SELECT organisation_id FROM organisation_lineage WHERE counted_as_id = :organisation_id))
  AND (:subtypes IS NULL OR o.nhs_trust_subtype IN (SELECT value FROM json_each(:subtypes)))"""

FOI_LISTS = f"""SELECT l.organisation, o.name AS matched_organisation, l.file_name, l.entries,
  l.matched, l.missing_from_site, l.not_located, l.date_from, l.date_to, l.imported_at
FROM foi_lists l LEFT JOIN organisations o ON o.id = l.organisation_id
WHERE {FOI_IN_SCOPE}
ORDER BY l.organisation, l.file_name"""

FOI_MISSING = f"""SELECT l.organisation, e.row_number, e.deceased_name, e.date, e.ref, res.detail
FROM foi_results res
JOIN foi_lists l ON l.id = res.list_id
LEFT JOIN organisations o ON o.id = l.organisation_id
LEFT JOIN foi_entries e ON e.id = res.entry_id
WHERE res.kind = 'missing_from_site' AND {FOI_IN_SCOPE}
ORDER BY l.organisation, e.date, e.row_number"""


# Figures quoted in a pack's notes: (title, SQL), run with the pack's parameters.
NOTE_QUERIES = {
    "undated_reports": (
        "Reports in the store without a date",
        "SELECT COUNT(*) FROM reports WHERE date_of_report IS NULL",
    ),
    "imported_reports": (
        "Reports up to the window's end loaded from a CSV export",
        "SELECT COUNT(*) FROM reports WHERE source = 'import' AND date_of_report <= :date_to",
    ),
    "latest_report": ("Latest report in the store", "SELECT MAX(date_of_report) FROM reports"),
    "typed_organisations": (
        "Organisations of the subtypes asked for",
        "SELECT COUNT(*) FROM organisations "
        "WHERE nhs_trust_subtype IN (SELECT value FROM json_each(:subtypes))",
    ),
    "successor": (
        "The trust the organisation asked for merged into",
        "SELECT succ.name AS merged_into, o.merged_on\n"
        "FROM organisations o JOIN organisations succ ON succ.id = o.successor_id\n"
        "WHERE o.id = :organisation_id",
    ),
    "status_as_of": (
        "Dates the stored response statuses were computed for",
        f"SELECT DISTINCT as_of FROM {TRACKING['status_table']}",
    ),
}


@dataclass(slots=True)
class Query:
    """One table of a pack: its name, title, SQL and whether it runs inside the scope."""

    name: str
    title: str
    sql: str
    needs: tuple[str, ...] = ()
    scoped: bool = True
    description: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def full_sql(self) -> str:
        """Return the statement as run: the shared scope, then this table's SELECT."""
        return f"{SCOPE}\n{self.sql}" if self.scoped else self.sql


QUERIES: tuple[Query, ...] = (
    Query("summary", "Key figures", SUMMARY),
    Query(
        "organisations",
        "Reports and responses by organisation",
        ORGANISATIONS,
        description="A report to a merged trust counts under it and under its successor.",
    ),
    Query("overdue", "Overdue responses", OVERDUE),
    Query("reports_by_year", "Reports per year", BY_YEAR),
    Query(
        "themes",
        "Concern themes",
        THEMES,
        needs=("themes", "report_themes", "concern_themes", "concerns"),
    ),
    Query("coroner_areas", "Reports by coroner area", AREAS),
    Query("merged_trusts", "Reports counted under a successor trust", MERGED),
    Query(
        "missing_refs",
        "Reference numbers missing from the published sequence",
        MISSING_REFS,
        needs=(TRACKING["gaps_table"],),
        scoped=False,
        description="Whole-site gaps in each year's ref sequence; not specific to this scope.",
    ),
    Query(
        "foi_lists",
        "FOI lists reconciled with the site",
        FOI_LISTS,
        needs=("foi_lists",),
        scoped=False,
        description="Lists of reports the organisations say they received (FOI replies), "
        "matched against the site; date, theme and area filters do not apply.",
    ),
    Query(
        "foi_missing_from_site",
        "Reports on an FOI list but not on the site",
        FOI_MISSING,
        needs=("foi_results", "foi_entries", "foi_lists"),
        scoped=False,
    ),
    Query(
        "matching",
        "How each request's organisation was identified",
        MATCHING,
        description="register: matched by `pdt classify`; name: an exported recipient name "
        "equal to a register name or alias; none: not identified.",
    ),
    Query("reports", "Reports in scope", REPORTS),
)
