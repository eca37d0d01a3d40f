"""Response tracking on the real corpus, beside the Preventable Deaths Tracker's own figures.

Imports ../shared/data/pfd_reports.csv into a temporary store, runs whatever of classify is
built and then analyse, and prints the report-level status distribution beside the PDT's
published figures for 1 July 2025, the request-level figures, the ref gaps per year (also over
the whole listing, pfd_report_index_2025.csv), and how long analyse takes. Then it imports
pfd_reports_status_2025.csv and prints its distribution and how far it reproduces the export's
own statuses. Exits 0 (saying so) when ../shared/data is absent.

    .venv/bin/python bench/tracking.py
"""

from __future__ import annotations

import csv
import logging
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.analyse import run_analyse  # noqa: E402
from tracker.config import load_config  # noqa: E402
from tracker.db import open_db, upsert_report  # noqa: E402
from tracker.importer import run_import  # noqa: E402
from tracker.missing import rebuild_ref_gaps  # noqa: E402
from tracker.models import Report  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
AS_OF = date(2025, 7, 1)  # the day of the PDT's published figures
SCRAPED = date(2024, 4, 14)  # the day pfd_reports.csv (and its reply links) was scraped
STATUS_SNAPSHOT = date(2025, 7, 31)  # the day pfd_reports_status_2025.csv was computed
PDT_REPORTS = {"complete": 59.9, "partial": 13.9, "overdue": 24.8, "pending": 1.5}
PDT_REQUESTS = {"responded": 52.1, "overdue": 46.6}
ORDER = ("complete", "partial", "overdue", "pending", "no_recipients", "unknown")


def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:5.1f}%" if whole else "    -"


def distribution(db) -> dict[str, int]:
    """Return report counts by status."""
    return {
        r["status"]: r["n"]
        for r in db.query("SELECT status, COUNT(*) AS n FROM report_status GROUP BY status")
    }


def print_distribution(title: str, counts: dict[str, int], published: bool = True) -> None:
    """Print report statuses, as shares of all reports and of reports with recipients."""
    total = sum(counts.values())
    known = total - counts.get("no_recipients", 0) - counts.get("unknown", 0)
    print(f"\n{title}: {total} reports ({known} with recipients and a date)")
    print(
        f"  {'status':<14}{'reports':>8}{'of all':>9}{'of known':>10}"
        + (f"{'PDT 1 Jul 2025':>16}" if published else "")
    )
    for status in ORDER:
        n = counts.get(status, 0)
        shown = percent(n, known) if status in PDT_REPORTS else "     "
        pdt = f"{PDT_REPORTS[status]:>15.1f}%" if published and status in PDT_REPORTS else ""
        print(f"  {status:<14}{n:>8}{percent(n, total):>9}{shown:>10}{pdt}")


def print_requests(db) -> None:
    """Print request-level (per recipient) statuses beside the PDT's."""
    rows = {
        r["status"]: r["n"]
        for r in db.query(
            "SELECT status, COUNT(*) AS n FROM recipient_status WHERE recipient_id != '' "
            "GROUP BY status"
        )
    }
    total = sum(rows.values())
    print(f"  requests for a response: {total} (PDT: 9,466)")
    both = rows.get("overdue", 0) + rows.get("unknown", 0)
    print(
        f"    (overdue + unknown {percent(both, total).strip()}: the PDT counts recipients of "
        "a partly answered report as overdue when no reply names them)"
    )
    for status in ("responded", "overdue", "pending", "unknown"):
        pdt = f"  PDT {PDT_REQUESTS[status]}%" if status in PDT_REQUESTS else ""
        print(f"    {status:<10}{rows.get(status, 0):>6}{percent(rows.get(status, 0), total)}{pdt}")


def print_gaps(db, title: str) -> None:
    """Print the ref-gap figures per year."""
    print(f"\n{title}")
    print(
        f"  {'year':<6}{'max':>5}{'present':>9}{'gaps':>6}{'never':>7}{'removed':>9}"
        f"{'malformed':>11}{'variant':>9}{'shared':>8}  outliers"
    )
    for r in db.query("SELECT * FROM ref_gap_years ORDER BY year"):
        print(
            f"  {r['year']:<6}{r['max_number']:>5}{r['present']:>9}{r['gaps']:>6}"
            f"{r['never_seen']:>7}{r['removed']:>9}{r['malformed_only']:>11}"
            f"{r['variant_refs']:>9}{r['shared_refs']:>8}  {r['outlier_refs']}"
        )


def run_classify_if_built(db, config) -> None:
    """Run whatever classify tasks exist; a failing task is reported, not fatal."""
    try:
        from nlp.classify import run_classify

        started = time.perf_counter()
        figures = run_classify(db, config, progress=False)
        print(f"classify ({time.perf_counter() - started:.1f}s): {figures or 'no task built yet'}")
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what broke and goes on
        print(f"classify failed, statuses use imported data only: {exc!r}")


def timed_analyse(db, as_of: date) -> float:
    """Run analyse; return the seconds it took."""
    started = time.perf_counter()
    run_analyse(db, as_of)
    return time.perf_counter() - started


def explain(db) -> None:
    """Print why the figures differ from the PDT's, with the numbers that show it."""
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    total = one("SELECT COUNT(*) FROM report_status")
    no_rcpt = one("SELECT COUNT(*) FROM report_status WHERE status = 'no_recipients'")
    raw_empty = one("SELECT COUNT(*) FROM reports WHERE COALESCE(recipients_raw, '') = ''")
    recent = one(
        "SELECT COUNT(*) FROM report_status WHERE date_of_report >= '2023-10-01' "
        "AND status = 'overdue'"
    )
    odd_links = one(
        "SELECT COUNT(*) FROM documents WHERE kind = 'response' AND url NOT LIKE '%esponse%'"
    )
    print("\nWhy the figures differ from the PDT's 1 July 2025 figures:")
    print(
        f"  - the corpus: {total} reports dated 2013-07 to 2024-04, a ~4/5 sample; the PDT "
        "counted 5,764 reports to 2025-07."
    )
    split = one("SELECT COUNT(DISTINCT report_id) FROM recipients")
    print(
        f"  - recipients: {no_rcpt} reports have none known; {raw_empty} have an empty "
        "recipient field (mostly 2013-15: the recipients are only in the PDF, which an import "
        f"does not have); nlp.recipients split the text of {split} reports. The PDT took "
        "recipients from its corrected list, so its shares are of reports with recipients: "
        "compare the 'of known' column."
    )
    print(
        f"  - replies were captured on {SCRAPED}: {recent} reports from Oct 2023 on count as "
        "overdue on 1 July 2025 though many were answered after the scrape."
    )
    print(
        f"  - replies are judged by file name and text (crawler.documents): {odd_links} "
        "response links lack 'esponse' in the URL and would not count for the PDT."
    )
    print(
        "  - a report whose only replies cannot be matched to recipients counts by number "
        "(replies >= recipients: complete), as the PDT does; unmatched recipients of a "
        "partial report are 'unknown' at request level, where the PDT says overdue."
    )


def status_store(tmp: Path) -> None:
    """Import the status export alone; print its distribution and agreement with itself."""
    db = open_db(tmp / "status.db")
    started = time.perf_counter()
    summary = run_import(db, SHARED / "pfd_reports_status_2025.csv", progress=False)
    print(
        f"\nimport pfd_reports_status_2025.csv ({time.perf_counter() - started:.1f}s): "
        f"{summary['new']} new, {summary['failed']} failed, {summary['bad_refs']} without ref"
    )
    seconds = timed_analyse(db, AS_OF)
    print_distribution(f"Status export, as of {AS_OF} (analyse {seconds:.2f}s)", distribution(db))
    print_requests(db)
    timed_analyse(db, STATUS_SNAPSHOT)
    agree = db.execute(
        "SELECT SUM(replace(published_status, 'completed', 'complete') = status),"
        " COUNT(*) FROM report_status"
    ).fetchone()
    print_distribution(f"Status export, as of its snapshot {STATUS_SNAPSHOT}", distribution(db))
    print(
        f"  agreement with the export's own Status column: {agree[0]}/{agree[1]} "
        f"({percent(agree[0], agree[1]).strip()})"
    )
    print_gaps(db, "Ref gaps in pfd_reports_status_2025.csv (also a ~4/5 sample)")


def listing_gaps(tmp: Path) -> None:
    """Load the whole listing (URL and ref only) and print its ref gaps."""
    from crawler.fields import normalise_ref
    from crawler.parse import report_id_from_url

    db = open_db(tmp / "listing.db")
    with (SHARED / "pfd_report_index_2025.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        ref_raw = "" if row["ID"].startswith("N/A") else row["ID"]
        upsert_report(
            db,
            Report(
                id=report_id_from_url(row["URL"]),
                url=row["URL"],
                generation="import",
                ref=normalise_ref(ref_raw),
                ref_raw=ref_raw,
                source="import",
            ),
            seen_at="2025-04-22T00:00:00+00:00",
        )
    rebuild_ref_gaps(db)
    print_gaps(
        db, f"Ref gaps over the whole listing, pfd_report_index_2025.csv ({len(rows)} pages)"
    )


def reports_store(tmp: Path) -> None:
    """Import the report export, classify, analyse; then merge the status export into it."""
    config = load_config(tmp / "reports")
    config.ensure_dirs()
    db = open_db(config.db_path)
    started = time.perf_counter()
    summary = run_import(db, SHARED / "pfd_reports.csv", progress=False)
    print(
        f"import pfd_reports.csv ({time.perf_counter() - started:.1f}s): "
        f"{summary['new']} new, {summary['skipped']} skipped, {summary['failed']} failed, "
        f"{summary['documents_new']} documents, {summary['sections_written']} sections"
    )
    run_classify_if_built(db, config)
    seconds = timed_analyse(db, AS_OF)
    print_distribution(f"pfd_reports.csv, as of {AS_OF} (analyse {seconds:.2f}s)", distribution(db))
    print_requests(db)
    timed_analyse(db, SCRAPED)
    print_distribution(
        f"pfd_reports.csv, as of its scrape {SCRAPED}", distribution(db), published=False
    )
    timed_analyse(db, AS_OF)
    explain(db)
    print_gaps(db, "Ref gaps in pfd_reports.csv (a ~4/5 sample: most gaps are rows left out)")
    status_store(tmp)
    started = time.perf_counter()
    run_import(db, SHARED / "pfd_reports_status_2025.csv", progress=False)
    merge_s = time.perf_counter() - started
    seconds = timed_analyse(db, AS_OF)
    print_distribution(
        f"Both files merged on the slug (import {merge_s:.1f}s, analyse "
        f"{seconds:.2f}s), as of {AS_OF}",
        distribution(db),
    )
    print_requests(db)
    explain_merge(db)


def explain_merge(db) -> None:
    """Print how the 2024 scrape's reply links compare with the 2025 export's reply counts."""
    sql = """
        WITH docs AS (SELECT report_id, COUNT(*) AS n FROM documents WHERE kind = 'response'
                      GROUP BY report_id)
        SELECT SUM(COALESCE(d.n, 0) < i.replies_count) AS fewer,
               SUM(COALESCE(d.n, 0) < i.replies_count AND r.date_of_report >= '2023-10-01')
                   AS fewer_recent,
               SUM(COALESCE(d.n, 0) = i.replies_count) AS same, COUNT(*) AS shared
        FROM imported_reports i JOIN reports r ON r.id = i.report_id
        LEFT JOIN docs d ON d.report_id = i.report_id
        WHERE i.format = 'status'
          AND i.report_id IN (SELECT report_id FROM imported_reports WHERE format = 'reports')
    """
    row = next(db.query(sql))
    print(
        f"  of {row['shared']} reports in both files, {row['same']} have as many reply links "
        f"in the 2024 scrape as replies in the 2025 export, and {row['fewer']} have fewer "
        f"({row['fewer_recent']} of them dated from Oct 2023, answered after the scrape): "
        "the main reason pfd_reports.csv alone shows more overdue reports than the PDT."
    )


def main() -> int:
    if not SHARED.exists():
        print("bench/tracking.py: ../shared/data is absent; nothing to measure, exiting.")
        return 0
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp_name:
        reports_store(Path(tmp_name))
        listing_gaps(Path(tmp_name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
