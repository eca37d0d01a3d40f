"""Replicate the published mental health and ambulance trust analyses from the shared corpus.

Imports ../shared/data/pfd_reports.csv and pfd_reports_status_2025.csv into a temporary data
dir, runs whatever of classify and analyse is built, writes the two briefing packs, and prints
their figures beside the published ones. Exits 0 (saying so) when ../shared/data is absent.

    .venv/bin/python bench/replicate.py [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.config import Config, load_config  # noqa: E402
from tracker.db import open_db  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
FILES = ("pfd_reports.csv", "pfd_reports_status_2025.csv")
SAMPLE_SHARE = 0.8  # the shared report files hold roughly four fifths of the rows


@dataclass(slots=True)
class Published:
    """One published analysis: its slice, and the figures it reported."""

    name: str
    subtype: str
    date_from: str
    date_to: str
    reports: int
    trusts: int
    rates: dict[str, str]  # trust (words to find it) -> published response figure
    zero: list[str] = field(default_factory=list)  # trusts with no response published
    peak_year: str | None = None


PUBLISHED = [
    Published(
        "Mental health trusts",
        "mental_health",
        "2013-07-01",
        "2024-12-08",
        reports=824,
        trusts=49,
        rates={"Leicestershire Partnership": "nearly 90%"},
        zero=["Northamptonshire Healthcare", "Cambridgeshire and Peterborough"],
        peak_year="2024",
    ),
    Published(
        "Ambulance trusts",
        "ambulance",
        "2013-07-01",
        "2024-11-24",
        reports=217,
        trusts=11,
        rates={
            "South East Coast Ambulance": "about 67%",
            "Yorkshire Ambulance": "about 67%",
            "London Ambulance": "35%",
        },
    ),
]


def optional(module: str, function: str):
    """Return a library function if its module imports, else None (saying why)."""
    try:
        return getattr(importlib.import_module(module), function)
    except ImportError as exc:
        print(f"  {module} is not usable yet ({exc}); skipped")
        return None


def timed(label: str, fn, *args, **kwargs) -> Any:
    """Run one stage, printing how long it took."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"  {label:<28} {time.perf_counter() - start:6.1f} s")
    return result


def build_store(config: Config) -> list[str]:
    """Import both shared files and run each classify task that is built; return the skipped."""
    from nlp.classify import TASKS
    from tracker.importer import run_import

    db = open_db(config.db_path)
    for name in FILES:
        figures = timed(f"import {name}", run_import, db, SHARED / name, progress=False)
        print(f"    {figures}")
    skipped = []
    for task in TASKS:
        run = optional(task, "run")
        if run is None:
            skipped.append(task)
            continue
        print(f"    {timed(task, run, db, config, progress=False)}")
    return skipped


def analyse(config: Config, as_of: date) -> str:
    """Compute statuses as of a date with `pdt analyse`, else the status module alone."""
    db = open_db(config.db_path)
    run_analyse = optional("tracker.analyse", "run_analyse")
    if run_analyse is not None:
        timed(f"analyse as of {as_of}", run_analyse, db, as_of)
        return "tracker.analyse.run_analyse"
    from tracker.status import rebuild_status

    timed(f"status as of {as_of}", rebuild_status, db, as_of)
    return "tracker.status.rebuild_status (tracker.analyse is not built)"


def coverage(config: Config, spec: Published) -> dict[str, Any]:
    """Count what the store holds for a window, by source file, against the whole listing."""
    db = open_db(config.db_path)
    window = [spec.date_from, spec.date_to]
    sql = (
        "SELECT i.format, COUNT(DISTINCT r.id) AS n, MAX(r.date_of_report) AS last "
        "FROM reports r JOIN imported_reports i ON i.report_id = r.id "
        "WHERE r.date_of_report BETWEEN ? AND ? GROUP BY i.format"
    )
    found = {row["format"]: row for row in db.query(sql, window)}
    total = db.execute(
        "SELECT COUNT(*) FROM reports WHERE date_of_report BETWEEN ? AND ?", window
    ).fetchone()[0]
    return {"store": total, "by_file": found, "listing": listing_count(spec)}


def listing_count(spec: Published) -> int | None:
    """Count the whole-site listing's refs in the window's years (dates are not listed)."""
    import csv

    path = SHARED / "pfd_report_index_2025.csv"
    if not path.exists():
        return None
    first, last = int(spec.date_from[:4]), int(spec.date_to[:4])
    with path.open(newline="", encoding="utf-8-sig") as handle:
        years = [row["ID"][:4] for row in csv.DictReader(handle)]
    return sum(1 for y in years if y.isdigit() and first <= int(y) <= last)


def replication_notes(spec: Published, cover: dict[str, Any], status_by: str) -> list[str]:
    """Explain, for the pack, how it compares with the published analysis and why it differs."""
    by_file = cover["by_file"]
    files = "; ".join(
        f"{fmt} layout: {row['n']} reports (latest {row['last']})" for fmt, row in by_file.items()
    )
    listing = cover["listing"]
    share = f" ({100 * cover['store'] / listing:.0f}%)" if listing else ""
    return [
        f"Replication of the published {spec.name.lower()} analysis ({spec.date_from} to "
        f"{spec.date_to}): {spec.reports} reports to {spec.trusts} trusts.",
        f"Our corpus is the shared sample files, each holding about four fifths of the rows: "
        f"{cover['store']} reports dated in the window ({files}), against {listing} refs for "
        f"those years on the whole-site listing{share}. Reports absent from both samples are "
        "absent from every figure here.",
        "The scraped report file ends in early April 2024; later reports come only from the "
        "status export, which has recipient names and reply counts but no report text, so "
        "they have no themes or concerns.",
        f"Statuses were computed by {status_by}; for imported reports they rest on the export's "
        "recipient and reply counts, or on reply links matched to recipients where the "
        "responses stage ran. A report whose replies cannot be tied to recipients leaves those "
        "requests 'unknown', outside our response rate. The published per-trust figures are "
        "closest to reports_complete_pct (the share of a trust's reports, past due, whose every "
        "recipient has a published response), not to the trust's own response rate.",
        "Trusts are typed by the project's organisation register (NHS England's trust types of "
        "October 2024 and ODS records); mental health counts combined mental health and "
        "community trusts, and the Welsh Ambulance Services trust counts as an ambulance trust.",
    ]


def find(rows: list[dict[str, Any]], words: str) -> dict[str, Any] | None:
    """Return the organisation row whose name contains the words."""
    for row in rows:
        if words.casefold() in (row["organisation"] or "").casefold():
            return row
    return None


def describe_org(row: dict[str, Any] | None) -> str:
    """Return our figures for one organisation: its own responses, and complete reports."""
    if row is None:
        return "not in our pack"
    counts = {k: row[k] or 0 for k in ("responded", "overdue", "pending", "unknown")}
    return (
        f"own response {row['response_rate_pct']}% of due "
        f"({counts['responded']} responded, {counts['overdue']} overdue, {counts['unknown']} "
        f"unknown); reports complete {row['reports_complete_pct']}% "
        f"({row['reports_complete']} of {row['reports']})"
    )


def current_trusts(orgs: list[dict[str, Any]]) -> int:
    """Count the register trusts in a pack that have not merged into another."""
    return sum(1 for o in orgs if o["in_register"] and not o["merged_into"])


def read_csv(path: Path) -> list[dict[str, Any]]:
    """Read one of the pack's CSVs, turning numbers back into numbers."""
    import csv

    def number(value: str) -> Any:
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value or None

    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: number(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def compare(spec: Published, out: Path, result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Return (figure, published, ours) rows for one pack."""
    orgs = read_csv(out / "organisations.csv")
    years = [y for y in read_csv(out / "reports_by_year.csv") if y["year"]]
    rows = [
        ("reports", str(spec.reports), str(result["reports"])),
        (
            "trusts sent reports",
            str(spec.trusts),
            f"{result['organisations']} ({result['organisations_not_in_register']} names not "
            f"in the register; {sum(1 for o in orgs if o['in_register'])} register trusts "
            f"counting successors, {current_trusts(orgs)} after mergers)",
        ),
        ("response rate, all trusts", "-", f"{result['response_rate_pct']}% of due"),
        ("reports complete, all trusts", "-", f"{result['reports_complete_pct']}%"),
        (
            "requests by status",
            "-",
            ", ".join(
                f"{k} {result[k] or 0}" for k in ("responded", "overdue", "unknown", "pending")
            ),
        ),
    ]
    for words, published in spec.rates.items():
        rows.append((words, published, describe_org(find(orgs, words))))
    for words in spec.zero:
        rows.append((words, "no response published", describe_org(find(orgs, words))))
    if spec.peak_year:
        top = max(years, key=lambda y: y["reports"]) if years else None
        ours = f"{top['year']} ({top['reports']} reports)" if top else "-"
        rows.append(("year with most reports", spec.peak_year, ours))
    return rows


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Print figure | published | ours."""
    width = max(len(r[0]) for r in rows)
    pub = max(len(r[1]) for r in rows + [("", "published", "")])
    print(f"\n{title}")
    print(f"  {'figure'.ljust(width)}  {'published'.ljust(pub)}  ours")
    for figure, published, ours in rows:
        print(f"  {figure.ljust(width)}  {published.ljust(pub)}  {ours}")


def run_pack(config: Config, spec: Published, out: Path) -> None:
    """Analyse as of the window's end, write the pack, and write it again with the comparison."""
    from tracker.export import run_export

    status_by = analyse(config, date.fromisoformat(spec.date_to))
    notes = replication_notes(spec, coverage(config, spec), status_by)
    kwargs = dict(
        out=out,
        trust_subtype=spec.subtype,
        date_from=spec.date_from,
        date_to=spec.date_to,
        formats=["csv", "xlsx", "html", "md"],
        as_of=date.fromisoformat(spec.date_to),
    )
    result = timed(f"export {spec.subtype}", run_export, open_db(config.db_path), **kwargs)
    rows = compare(spec, out, result)
    notes += [f"Published vs ours — {figure}: {pub} | {ours}." for figure, pub, ours in rows]
    run_export(open_db(config.db_path), notes=notes, **kwargs)
    print_table(f"{spec.name}, {spec.date_from} to {spec.date_to} (pack: {out})", rows)
    print("  coverage:", notes[1])
    expected = round(spec.reports * SAMPLE_SHARE)
    print(f"  a four-fifths sample of {spec.reports} would hold about {expected} reports")


def main(argv: list[str] | None = None) -> int:
    """Build both packs from the shared corpus and print them beside the published figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the data dir and packs here")
    parser.add_argument("--no-build", action="store_true", help="reuse the store already in --out")
    args = parser.parse_args(argv)
    missing = [name for name in FILES if not (SHARED / name).exists()]
    if missing:
        print(f"../shared/data is absent (no {', '.join(missing)}): nothing to replicate.")
        return 0
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="pdt-replicate-") as tmp:
        root = args.out or Path(tmp)
        config = load_config(root / "data")
        config.ensure_dirs()
        print(f"building the store in {config.data_dir}")
        skipped = [] if args.no_build and args.out else build_store(config)
        if skipped:
            print(f"  not built yet, skipped: {', '.join(skipped)}")
        for spec in PUBLISHED:
            run_pack(config, spec, root / "packs" / spec.subtype)
    return 0


if __name__ == "__main__":
    sys.exit(main())
