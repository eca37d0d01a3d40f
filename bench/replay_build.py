"""Benchmark: build the site replay from the full shared scrape, then serve-check it.

Usage: .venv/bin/python bench/replay_build.py [--eager] [--workers 2] [--faults all]

Prints rows, pages, files and build seconds; with --eager also renders every document in a
process pool. Exits 0 with a clear message when ../shared/data/pfd_reports.csv is absent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.replay import Faults, ReplayServer, SiteConfig, build_site, load_reports_csv  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pfd_reports.csv"


def fetch_seconds(srv: ReplayServer, paths: list[str]) -> tuple[float, int]:
    """Fetch each path once; return the seconds taken and the bytes received."""
    started, size = time.perf_counter(), 0
    for path in paths:
        with urllib.request.urlopen(srv.url(path), timeout=30) as reply:
            size += len(reply.read())
    return time.perf_counter() - started, size


def serve_check(out: Path, site) -> list[tuple[str, str]]:
    """Serve the build and time fetches of listing pages, report pages and documents."""
    step = max(1, len(site.reports) // 50)
    pages = [r.url for r in site.reports[::step]]
    docs = [r.documents[0].url for r in site.reports[::step] if r.documents][:20]
    listings = ["/prevention-of-future-death-reports/"] + [
        f"/prevention-of-future-death-reports/page/{n}/" for n in range(2, 12)
    ]
    with ReplayServer(out, faults=Faults()) as srv:
        t_list, _ = fetch_seconds(srv, listings)
        t_pages, _ = fetch_seconds(srv, pages)
        t_docs, size = fetch_seconds(srv, docs)
        t_again, _ = fetch_seconds(srv, docs)
        count = srv.request_count
    return [
        ("listing pages fetched", f"{len(listings)} in {t_list:.2f} s"),
        ("report pages fetched", f"{len(pages)} in {t_pages:.2f} s ({len(pages) / t_pages:.0f}/s)"),
        ("documents, first fetch", f"{len(docs)} in {t_docs:.2f} s ({size // 1024} KiB)"),
        ("documents, cached", f"{len(docs)} in {t_again:.2f} s"),
        ("requests served", str(count)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eager", action="store_true", help="render every document at build")
    parser.add_argument("--workers", type=int, default=2, help="processes for --eager")
    parser.add_argument("--faults", default="", help="comma-separated faults, or 'all'")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: ../shared/data/{DATA.name} is not present on this machine")
        return 0
    rows = load_reports_csv(DATA)
    faults = Faults.from_names(args.faults) if args.faults else Faults()
    config = SiteConfig(seed=0, faults=faults, eager_files=args.eager, workers=args.workers)
    with tempfile.TemporaryDirectory(prefix="replay-bench-") as tmp:
        out = Path(tmp)
        site = build_site(rows, out, config)
        legacy = sum(r.generation == "legacy" for r in site.reports)
        counts = f"{len(site.reports)} ({len(site.reports) - legacy} / {legacy})"
        table = [
            ("rows", str(len(rows))),
            ("reports (current / legacy)", counts),
            ("landing pages", str(len(site.landings))),
            ("pages written", str(site.page_count)),
            ("files (documents)", str(site.file_count)),
            (
                "files rendered at build",
                f"{site.files_written} ({'eager' if args.eager else 'lazy'})",
            ),
            ("faults", ",".join(faults.enabled()) or "none"),
            ("build seconds", f"{site.build_seconds:.1f}"),
            *serve_check(out, site),
        ]
    width = max(len(k) for k, _ in table)
    for key, value in table:
        print(f"{key.ljust(width)}  {value}")
    limit = 300
    print(f"{'under 5 minutes'.ljust(width)}  {'yes' if site.build_seconds < limit else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
