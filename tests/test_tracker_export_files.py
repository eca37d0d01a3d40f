"""The pack's files: XLSX sheets with frozen, filterable headers; HTML with embedded charts and
the SQL appendix; Markdown with chart files; CSVs; and the HTML as headless Chromium draws it."""

from __future__ import annotations

import base64
import csv
import json
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from tests.export_fixture import AS_OF, build_store
from tracker.db import open_db
from tracker.export import run_export
from tracker.export_sql import NOTE_QUERIES, QUERIES, SCOPE
from tracker.export_writers import sheet_name

PNG = b"\x89PNG\r\n\x1a\n"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    db = build_store(open_db(":memory:"))
    result = run_export(
        db,
        out=out,
        trust_subtype="mental_health",
        formats=["csv", "xlsx", "html", "md"],
        as_of=AS_OF,
        progress=True,
        notes=["A note passed in by the caller."],
    )
    assert result["reports"] == 8
    return out


def test_xlsx_has_a_sheet_per_table_with_frozen_filtered_headers(pack_dir):
    wb = load_workbook(pack_dir / "pack.xlsx")
    expected = {sheet_name(q.name) for q in QUERIES}
    assert "FOI lists" in expected
    assert expected | {"Scope", "Notes", "SQL"} == set(wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws["A1"].font.bold
    orgs = wb["Organisations"]
    header = [c.value for c in orgs[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in orgs.iter_rows(2)]
    fenland = next(r for r in rows if r["organisation"].startswith("Fenland"))
    assert (fenland["reports"], fenland["response_rate_pct"]) == (2, 50.0)
    assert orgs.auto_filter.ref == f"A1:{orgs.cell(1, len(header)).column_letter}{len(rows) + 1}"
    assert orgs.column_dimensions["A"].width >= len("Northvale Healthcare NHS Foundation Trust")


def test_xlsx_sql_sheet_traces_every_table(pack_dir):
    ws = load_workbook(pack_dir / "pack.xlsx")["SQL"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["scope"][2] == SCOPE
    for query in QUERIES:
        assert rows[query.name][2] == query.sql
    for name, (_title, sql) in NOTE_QUERIES.items():
        assert rows[f"note:{name}"][2] == sql
    params = json.loads(rows["summary"][3])
    assert params["subtypes"] == json.dumps(["mental_health", "mental_health_and_community"])
    assert params["date_to"] == AS_OF.isoformat()


def test_html_embeds_charts_and_prints_the_sql(pack_dir):
    soup = BeautifulSoup((pack_dir / "pack.html").read_text(), "html.parser")
    images = soup.select("figure img")
    assert len(images) == 4
    for img in images:
        src = img["src"]
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    codes = [c.get_text() for c in soup.select("pre code.language-sql")]
    assert codes[0] == SCOPE
    assert all(q.sql in codes for q in QUERIES)
    sql_ids = {h["id"] for h in soup.select("h3[id^=sql-]")}
    assert {f"sql-{q.name}" for q in QUERIES} <= sql_ids
    assert "mental_health_and_community" in soup.select_one("code.params").get_text()
    summary = soup.select_one("#summary").get_text(" ")
    assert "8 reports dated 2019-03-01 to 2024-10-20" in summary
    notes = soup.select_one("#notes").find_next("ul").get_text()
    assert "A note passed in by the caller." in notes
    assert "also count under Fenland and Marsh NHS Foundation Trust" in notes


def test_markdown_links_chart_files_and_appendix(pack_dir):
    text = (pack_dir / "pack.md").read_text()
    links = [line for line in text.splitlines() if line.startswith("![")]
    assert len(links) == 4
    for link in links:
        path = pack_dir / link.split("(", 1)[1].rstrip(")")
        assert path.read_bytes().startswith(PNG)
    assert "## Appendix: SQL behind every table" in text
    assert text.count("```sql") == len(QUERIES) + len(NOTE_QUERIES) + 1
    assert "| Fenland and Marsh NHS Foundation Trust | mental_health | 1 | 2 |" in text


def test_csvs_hold_every_built_table(pack_dir):
    names = {p.stem for p in pack_dir.glob("*.csv")}
    assert names == {q.name for q in QUERIES}
    with (pack_dir / "overdue.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["days_overdue"]) for r in rows] == sorted(
        (int(r["days_overdue"]) for r in rows), reverse=True
    )
    assert len(rows) == 4


@pytest.mark.browser
def test_html_renders_with_its_charts_in_headless_chromium(pack_dir, tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.skip("headless Chromium is not installed")
    shot = tmp_path / "shot.png"
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--window-size=1200,1600",
        f"--screenshot={shot}",
        (pack_dir / "pack.html").as_uri(),
    ]
    subprocess.run(args, capture_output=True, timeout=120, check=False)
    assert shot.read_bytes().startswith(PNG)
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    # The embedded charts bring the green and red of the status bar into the page.
    assert any(c[1] == (0x1B, 0x78, 0x37) for c in colours)
    assert any(c[1] == (0xB2, 0x18, 0x2B) for c in colours)
