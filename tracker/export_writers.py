"""Write a built pack to disk: CSVs, an XLSX workbook, a Markdown and an HTML briefing."""

from __future__ import annotations

import base64
import csv
import json
import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from rich.progress import track

from tracker.export_pack import Excerpt, Pack, Table, excerpts, headlines
from tracker.export_sql import NOTE_QUERIES

log = logging.getLogger(__name__)

HTML_ROW_LIMIT = 200
MD_ROW_LIMIT = 50
LONG_TABLES = {"reports", "overdue"}


def cell(value: Any) -> Any:
    """Return a value as a spreadsheet or text cell (None becomes empty)."""
    return "" if value is None else value


def write_csvs(pack: Pack, out: Path) -> list[Path]:
    """Write every built table as <name>.csv; return the paths."""
    paths = []
    for table in pack.tables.values():
        if table.absent:
            continue
        path = out / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows([[cell(v) for v in row] for row in table.rows])
        paths.append(path)
    return paths


def fill_sheet(ws: Worksheet, columns: list[str], rows: list[list[Any]]) -> None:
    """Write a header and rows, freeze and filter the header, and size the columns."""
    ws.append(columns)
    for row in rows:
        ws.append([cell(v) for v in row])
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for index, name in enumerate(columns, start=1):
        sample = [str(cell(r[index - 1])) for r in rows[:300]]
        width = max([len(name), *(len(line) for s in sample for line in s.splitlines() or [""])])
        ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
        if width > 60:
            for c in ws[get_column_letter(index)][1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")


def sheet_name(name: str) -> str:
    """Return a valid worksheet title (at most 31 characters)."""
    return name.replace("_", " ").capitalize().replace("Foi ", "FOI ")[:31]


def appendix_rows(pack: Pack) -> list[list[Any]]:
    """Return (name, title, SQL, parameters) for the scope, every table and the notes' figures."""
    params = json.dumps(pack.params, ensure_ascii=False)
    rows = [["scope", "Shared scope (common table expressions)", pack.scope_sql, params]]
    for t in pack.tables.values():
        used = params if t.query.scoped else used_params(pack.params, t.query.sql)
        rows.append([t.name, t.title, t.query.sql, used])
    for name, (title, sql) in NOTE_QUERIES.items():
        rows.append([f"note:{name}", f"Notes: {title}", sql, used_params(pack.params, sql)])
    return rows


def used_params(params: dict[str, Any], sql: str) -> str:
    """Return, as JSON, the parameters a statement run without the scope actually uses."""
    return json.dumps({k: v for k, v in params.items() if f":{k}" in sql}, ensure_ascii=False)


def write_xlsx(pack: Pack, path: Path) -> Path:
    """Write one sheet per table, plus scope, notes and SQL sheets."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Scope"
    fill_sheet(ws, ["item", "value"], [["Title", pack.title], *map(list, pack.scope)])
    for table in pack.tables.values():
        columns = table.columns or ["status"]
        rows = [list(r) for r in table.rows] if not table.absent else [[table.absent]]
        fill_sheet(wb.create_sheet(sheet_name(table.name)), columns, rows)
    fill_sheet(wb.create_sheet("Notes"), ["note"], [[n] for n in pack.notes])
    fill_sheet(wb.create_sheet("SQL"), ["table", "title", "sql", "parameters"], appendix_rows(pack))
    wb.save(path)
    return path


def write_charts(pack: Pack, out: Path) -> list[Path]:
    """Write each chart as charts/<name>.png; return the paths."""
    folder = out / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in pack.charts:
        path = folder / f"{chart.name}.png"
        path.write_bytes(chart.png)
        paths.append(path)
    return paths


def md_escape(value: Any) -> str:
    """Return a value safe inside a Markdown table cell."""
    return str(cell(value)).replace("|", "\\|").replace("\n", " ")


def md_table(table: Table, limit: int | None) -> list[str]:
    """Return a table as Markdown lines, cut to a row limit with a pointer to its CSV."""
    if table.absent:
        return [f"_{table.absent}._"]
    if not table.rows:
        return ["_No rows._"]
    rows = table.rows if limit is None else table.rows[:limit]
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(md_escape(v) for v in row) + " |" for row in rows]
    if len(rows) < len(table.rows):
        lines.append(f"\n_{len(table.rows) - len(rows)} more rows in {table.name}.csv._")
    return lines


def md_excerpt(excerpt: Excerpt) -> list[str]:
    """Return a summary excerpt as a Markdown table."""
    lines = ["| " + " | ".join(excerpt.columns) + " |", "|" + "---|" * len(excerpt.columns)]
    return lines + ["| " + " | ".join(md_escape(v) for v in row) + " |" for row in excerpt.rows]


def write_markdown(pack: Pack, path: Path) -> Path:
    """Write the briefing as Markdown, with charts as relative PNG links."""
    lines = [f"# {pack.title}", ""]
    lines += [f"- **{label}:** {value}" for label, value in pack.scope]
    lines += ["", "## Summary", ""] + [f"- {line}" for line in headlines(pack)] + [""]
    for excerpt in excerpts(pack):
        lines += [f"**{excerpt.title}**", ""] + md_excerpt(excerpt) + [""]
    lines += [f"![{c.title}](charts/{c.name}.png)\n" for c in pack.charts]
    for table in pack.tables.values():
        limit = MD_ROW_LIMIT if table.name in LONG_TABLES else None
        lines += ["", f"## {table.title}", ""]
        lines += [f"_{table.query.description}_", ""] if table.query.description else []
        lines += md_table(table, limit)
    lines += ["", "## Notes", ""] + [f"- {note}" for note in pack.notes]
    lines += ["", "## Appendix: SQL behind every table", ""]
    lines += ["Each table's query runs after the shared scope below, with these parameters:", ""]
    lines += ["```json", json.dumps(pack.params, indent=2, ensure_ascii=False), "```", ""]
    for name, title, sql, params in appendix_rows(pack):
        lines += [
            f"### {title} (`{name}`)",
            "",
            "```sql",
            sql,
            "```",
            "",
            f"Parameters: `{params}`",
        ]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_html(pack: Pack, path: Path) -> Path:
    """Write a self-contained HTML briefing with the charts embedded as base64 PNG."""
    env = Environment(
        loader=PackageLoader("tracker", "templates"), autoescape=select_autoescape(["html"])
    )
    env.filters["cell"] = cell
    charts = [(c, base64.b64encode(c.png).decode("ascii")) for c in pack.charts]
    html = env.get_template("pack.html").render(
        pack=pack,
        headlines=headlines(pack),
        excerpts=excerpts(pack),
        charts=charts,
        appendix=appendix_rows(pack),
        limits={name: HTML_ROW_LIMIT for name in LONG_TABLES},
    )
    path.write_text(html, encoding="utf-8")
    return path


def write_pack(pack: Pack, out: Path, formats: list[str], progress: bool = False) -> list[Path]:
    """Write the pack in each requested format; return every file written."""
    out.mkdir(parents=True, exist_ok=True)
    steps = [
        ("charts", lambda: write_charts(pack, out) if {"md", "html"} & set(formats) else []),
        ("csv", lambda: write_csvs(pack, out)),
        ("xlsx", lambda: [write_xlsx(pack, out / "pack.xlsx")]),
        ("md", lambda: [write_markdown(pack, out / "pack.md")]),
        ("html", lambda: [write_html(pack, out / "pack.html")]),
    ]
    steps = [(name, step) for name, step in steps if name == "charts" or name in formats]
    files: list[Path] = []
    for _name, step in track(steps, description="export: files") if progress else steps:
        files += step()
    return files
