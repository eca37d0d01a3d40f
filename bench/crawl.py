"""Benchmark the crawler against pfd-toolkit's Scraper on a local replay of ~4,000 reports.

    .venv/bin/python bench/crawl.py [--concurrency 8] [--workers 2] [--rounds 3]
                                    [--limit-rows N] [--skip-pfd-toolkit]

Builds the replay from ../shared/data/pfd_reports.csv (says so and exits 0 when absent),
serves it on loopback, crawls it fully with ours and with pfd-toolkit's Scraper (HTML and PDF
stages, no LLM; bench/pfd_toolkit_child.py) at the same total concurrency, in --rounds
alternating rounds (the table gives the run of median wall time of each, and the ratio of
those medians), then re-runs ours incrementally on the unchanged replay. Ours runs as --workers
processes that split the concurrency (8 requests in flight in all, 4 per process by default:
on loopback the crawl is CPU-bound and this machine has two cores); pfd-toolkit runs its
threads in one process, as it is built. Ours is also timed in one process, for comparison.
Prints a table. Not a test.

pfd-toolkit runs from its own virtual environment, so that neither tool loads the other's
dependencies (installed beside ours, its pandas was imported by sqlite-utils into every one of
our crawl processes, a third of a second each):

    python3.11 -m venv .venv-pfd && .venv-pfd/bin/pip install pfd-toolkit
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pfd_toolkit_child import PFD_TEMPLATE  # noqa: E402

from crawler.fields import fold, normalise_ref  # noqa: E402
from crawler.parse import report_id_from_url  # noqa: E402

CSV = ROOT.parent / "shared" / "data" / "pfd_reports.csv"
PFD_VENV = ROOT / ".venv-pfd"  # pfd-toolkit's own environment, apart from ours
PFD_DATES = {
    "after_day": 1,
    "after_month": 1,
    "after_year": 2000,
    "before_day": 1,
    "before_month": 1,
    "before_year": 2050,
}
FIELDS = ("ref", "date", "coroner", "area", "recipients", "deceased")


def text_key(value) -> str:
    """Return a comparison key for a text field (case, spaces, dashes, edge punctuation)."""
    if value is None or value != value:  # None or NaN
        return ""
    return fold(str(value)).strip(" :;,.-")


def truth_of(spec: dict) -> dict[str, str]:
    """Return the manifest's truth for one report, keyed like FIELDS."""
    omitted = set(spec.get("omitted", []))

    def shown(name: str, value):
        return None if name in omitted else value

    return {
        "ref": shown("ref", spec["ref"]) or "",
        "date": shown("date_of_report", spec["date_of_report"]) or "",
        "coroner": text_key(shown("coroner_name", spec["coroner_name"])),
        "area": text_key(shown("coroner_area", spec["coroner_area"])),
        "recipients": text_key(shown("recipients", spec["recipients_raw"])),
        "deceased": text_key(spec["deceased_name"]),
    }


def completeness(manifest: dict, found: dict[str, dict], fields: tuple[str, ...]) -> float:
    """Return the share of reports whose every field in `fields` equals the manifest."""
    good = 0
    for spec in manifest["reports"]:
        got = found.get(spec["id"])
        truth = truth_of(spec)
        good += got is not None and all(got.get(f, "") == truth[f] for f in fields)
    return good / len(manifest["reports"])


def ours_found(db_path: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """Return ours' reports keyed like FIELDS, and its documents by site path."""
    from tracker.db import open_db

    db = open_db(db_path)
    reports = {
        r["id"]: {
            "ref": r["ref"] or "",
            "date": r["date_of_report"] or "",
            "coroner": text_key(r["coroner_name"]),
            "area": text_key(r["coroner_area_raw"]),
            "recipients": text_key(r["recipients_raw"]),
            "deceased": text_key(r["deceased_name"]),
        }
        for r in db["reports"].rows
    }
    docs = {d["url"].removeprefix("https://www.judiciary.uk"): d for d in db["documents"].rows}
    return reports, docs


def response_share(manifest: dict, docs: dict[str, dict]) -> float:
    """Return the share of the manifest's response documents stored as responses with a body."""
    wanted = [d for r in manifest["reports"] for d in r["documents"] if d["kind"] == "response"]
    ok = sum(
        1
        for d in wanted
        if docs.get(d["url"], {}).get("kind") == "response" and docs[d["url"]]["sha256"]
    )
    return ok / max(1, len(wanted))


def warm(base: str, paths: list[str], workers: int = 8) -> None:
    """Fetch every page once, so neither crawler pays for the replay's first rendering."""

    def get(path: str) -> None:
        with urlopen(base + path, timeout=60) as answer:
            answer.read()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(get, paths))


def run_children(
    commands: list[list[str]], env: dict | None = None
) -> tuple[list[int], float, int, float]:
    """Run processes at once; return (exit codes, wall s, peak RSS MB, CPU s, server CPU s).

    The processes run side by side, so their peak RSS figures add up. The last figure is this
    process's own CPU time meanwhile: the replay server's threads, since the main one waits.
    """
    started, served_from = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    procs = [subprocess.Popen(argv, env=env) for argv in commands]
    codes, rss, cpu = [], 0, 0.0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        codes.append(os.waitstatus_to_exitcode(status))
        cpu += usage.ru_utime + usage.ru_stime
        rss += usage.ru_maxrss // 1024
    now = resource.getrusage(resource.RUSAGE_SELF)
    server = now.ru_utime + now.ru_stime - served_from.ru_utime - served_from.ru_stime
    return codes, time.monotonic() - started, rss, cpu, server


def run_ours(
    base: str, data_dir: Path, concurrency: int, full: bool, as_of: str, workers: int = 1
) -> dict:
    """Crawl with ours (its worker processes); return its summary, wall, CPU and peak RSS."""
    from crawler.runner import CrawlOptions, child_env, crawl_command, prepare_run, read_summary
    from tracker.config import load_config

    config = load_config(data_dir)
    options = CrawlOptions(
        base_url=base,
        full=full,
        concurrency=concurrency,
        workers=workers,
        as_of=as_of,
        settings={"LOG_LEVEL": "WARNING"},
    )
    spec = prepare_run(config, options)
    commands = [crawl_command(config, spec, shard) for shard in range(spec.shards)]
    codes, wall, rss, cpu, server = run_children(commands, child_env())
    summary = read_summary(config, spec, codes, wall)
    return {**summary, "wall": wall, "rss_mb": rss, "cpu": cpu, "server_cpu": server}


def pfd_python(chosen: str | None) -> tuple[str | None, str]:
    """Return the interpreter that has pfd-toolkit (its own venv by default), or None and why."""
    python = Path(chosen) if chosen else PFD_VENV / "bin" / "python"
    if python.exists():
        probe = subprocess.run([str(python), "-c", "import pfd_toolkit"], capture_output=True)
        if probe.returncode == 0:
            return str(python), ""
    return None, (
        f"pfd-toolkit is not installed for {python}; create its own environment with "
        "`python3.11 -m venv .venv-pfd && .venv-pfd/bin/pip install pfd-toolkit`"
    )


def run_pfd_toolkit(base: str, concurrency: int, work: Path, python: str | None) -> dict:
    """Run pfd-toolkit in a child; return its rows keyed like FIELDS, or why it could not run."""
    python, why = pfd_python(python)
    if python is None:
        return {"error": why}
    out = work / "pfd_toolkit.json"
    out.unlink(missing_ok=True)
    argv = [python, str(ROOT / "bench" / "pfd_toolkit_child.py"), base, str(concurrency), str(out)]
    (code,), wall, rss, cpu, server = run_children([argv])
    if code != 0 or not out.exists():
        return {"error": f"pfd-toolkit exited with {code}"}
    rows = json.loads(out.read_text(encoding="utf-8"))
    found = {
        report_id_from_url(r["url"]): {
            "ref": normalise_ref(r.get("id")) or "",
            "date": r.get("date") or "",
            "coroner": text_key(r.get("coroner")),
            "area": text_key(r.get("area")),
            "recipients": text_key(r.get("receiver")),
        }
        for r in rows
    }
    return {
        "found": found,
        "wall": wall,
        "rss_mb": rss,
        "cpu": cpu,
        "server_cpu": server,
        "rows": len(rows),
    }


def uploads(srv) -> int:
    return sum(n for p, n in srv.requests_by_path.items() if p.startswith("/wp-content/uploads/"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--limit-rows", type=int, default=None)
    parser.add_argument("--skip-pfd-toolkit", action="store_true")
    parser.add_argument(
        "--pfd-python",
        default=None,
        help="python of an environment with pfd-toolkit (default: .venv-pfd/bin/python)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="our crawl's processes; they share --concurrency (default: one per core here)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="full crawls of each tool, alternated; the table gives each figure's median",
    )
    args = parser.parse_args()
    if not CSV.exists():
        print(f"../shared/data/pfd_reports.csv is not present: nothing to benchmark ({CSV})")
        return 0
    from crawler.replay import ReplayServer, SiteConfig, build_site, load_reports_csv
    from crawler.replay.server import ReplayHandler

    # Send each answer without Nagle's delay, as production servers do (nginx: tcp_nodelay
    # on); http.server's default stalls a keep-alive client up to 40 ms per response.
    ReplayHandler.disable_nagle_algorithm = True

    work = Path(tempfile.mkdtemp(prefix="pdt-bench-crawl-"))
    rows = load_reports_csv(CSV)[: args.limit_rows]
    started = time.monotonic()
    site = build_site(rows, work / "replay", SiteConfig(seed=1, eager_files=True))
    print(
        f"replay: {len(site.reports)} reports, {site.file_count} files, "
        f"built in {time.monotonic() - started:.0f}s under {work}"
    )
    manifest = json.loads((work / "replay" / "manifest.json").read_text(encoding="utf-8"))
    as_of = (
        max(date.fromisoformat(r["date_added"]) for r in manifest["reports"]) + timedelta(days=1)
    ).isoformat()
    with ReplayServer(work / "replay") as srv:
        last = -(-sum(r["generation"] == "current" for r in manifest["reports"]) // 10) + 1
        searches = [PFD_TEMPLATE.format(page=n, **PFD_DATES) for n in range(1, last + 2)]
        warm(srv.base_url, srv.state.page_paths() + searches)
        results = measure(srv, work, manifest, args, as_of)
    print_table(results, manifest, args.concurrency)
    return 0


def crawl_ours(srv, data_dir: Path, args, as_of: str, workers: int) -> dict:
    """Run one full crawl with ours; return its figures with what the replay served."""
    before = (srv.request_count, uploads(srv))
    ours = run_ours(srv.base_url, data_dir, args.concurrency, True, as_of, workers)
    ours["docs"] = uploads(srv) - before[1]
    ours["served"] = srv.request_count - before[0]
    return ours


def crawl_theirs(srv, work: Path, manifest: dict, args) -> dict:
    """Run one full crawl with pfd-toolkit; return its figures, or why it could not run."""
    if args.skip_pfd_toolkit:
        return {"error": "skipped (--skip-pfd-toolkit)"}
    before = (srv.request_count, uploads(srv))
    theirs = run_pfd_toolkit(srv.base_url, args.concurrency, work, args.pfd_python)
    if "found" in theirs:
        theirs["served"] = srv.request_count - before[0]
        theirs["docs"] = uploads(srv) - before[1]
        theirs["complete5"] = completeness(manifest, theirs["found"], FIELDS[:5])
    return theirs


def median_run(runs: list[dict]) -> dict:
    """Return the run of median wall time (the figures of one real run, not a blend)."""
    return sorted(runs, key=lambda run: run["wall"])[len(runs) // 2]


def measure(srv, work: Path, manifest: dict, args, as_of: str) -> dict:
    """Run ours and pfd-toolkit in alternating rounds, ours incrementally, and ours in one process.

    On a shared machine the same crawl's time moves by 15-30% from minute to minute, so one
    run of each says little; alternating rounds expose both tools to the same conditions.
    """
    ours_runs, their_runs = [], []
    for n in range(args.rounds):
        ours_runs.append(crawl_ours(srv, work / f"ours-{n}", args, as_of, args.workers))
        their_runs.append(crawl_theirs(srv, work, manifest, args))
        print(
            f"round {n + 1}: ours {ours_runs[-1]['wall']:.1f}s, pfd-toolkit "
            f"{their_runs[-1].get('wall', float('nan')):.1f}s",
            flush=True,
        )
    ours = median_run(ours_runs)
    found, docs = ours_found(work / "ours-0" / "pdt.db")
    ours["complete5"] = completeness(manifest, found, FIELDS[:5])
    ours["complete6"] = completeness(manifest, found, FIELDS)
    ours["responses"] = response_share(manifest, docs)
    before = srv.request_count
    again = run_ours(srv.base_url, work / "ours-0", args.concurrency, False, as_of, args.workers)
    again["served"] = srv.request_count - before
    single = None
    if args.workers > 1:  # the same crawl in one process, for comparison
        single = run_ours(srv.base_url, work / "ours-1proc", args.concurrency, True, as_of, 1)
    ok = all("found" in run for run in their_runs)
    theirs = median_run(their_runs) if ok else next(r for r in their_runs if "error" in r)
    rounds = list(zip(ours_runs, their_runs, strict=True)) if ok else []
    return {"ours": ours, "again": again, "theirs": theirs, "single": single, "rounds": rounds}


def print_table(results: dict, manifest: dict, concurrency: int) -> None:
    """Print the comparison and the incremental re-run."""
    n = len(manifest["reports"])
    ours, again, theirs = results["ours"], results["again"], results["theirs"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nfull crawl of {n} reports at concurrency {concurrency} (loopback replay; "
        f"load average {load} on {os.cpu_count()} cores)\n"
    )
    workers = ours.get("workers", 1)
    print("each column is the run of median wall time among its rounds\n")
    print(f"| {'':34} | {f'ours, {workers} proc.':>14} | {'pfd-toolkit':>14} |")
    print(f"|{'-' * 36}|{'-' * 16}|{'-' * 16}|")
    ok = "found" in theirs

    def row(label: str, mine: str, other: str) -> None:
        print(f"| {label:34} | {mine:>14} | {other if ok else 'n/a':>14} |")

    row("wall time (s)", f"{ours['wall']:.1f}", f"{theirs.get('wall', 0):.1f}")
    row("CPU time of the crawler (s)", f"{ours['cpu']:.1f}", f"{theirs.get('cpu', 0):.1f}")
    row("CPU time of the replay server (s)", f"{ours['server_cpu']:.1f}",
        f"{theirs.get('server_cpu', 0):.1f}")  # fmt: skip
    row("report pages/s", f"{n / ours['wall']:.1f}", f"{n / theirs.get('wall', 1):.1f}")
    row("documents fetched", f"{ours['docs']}", f"{theirs.get('docs', 0)}")
    row("requests served", f"{ours['served']}", f"{theirs.get('served', 0)}")
    row("requests/s", f"{ours['served'] / ours['wall']:.0f}",
        f"{theirs.get('served', 0) / theirs.get('wall', 1):.0f}")  # fmt: skip
    row("peak RSS (MB)", f"{ours['rss_mb']}", f"{theirs.get('rss_mb', 0)}")
    row(
        "complete: ref,date,coroner,area,recip",
        f"{ours['complete5']:.2%}",
        f"{theirs.get('complete5', 0):.2%}",
    )
    row("complete: + deceased (all six)", f"{ours['complete6']:.2%}", "no such field")
    row("response documents stored", f"{ours['responses']:.2%}", "not fetched")
    if ok:
        rounds = results["rounds"]
        each = ", ".join(f"{t['wall'] / o['wall']:.2f}x" for o, t in rounds)
        print(
            f"\nspeed ratio (pfd-toolkit wall / ours), medians of {len(rounds)} alternating "
            f"rounds: {theirs['wall'] / ours['wall']:.2f}x (round by round: {each})"
        )
    else:
        print(f"\npfd-toolkit: {theirs['error']}")
    single = results.get("single")
    if single:
        ratio = f", pfd-toolkit wall / this: {theirs['wall'] / single['wall']:.2f}x" if ok else ""
        print(
            f"ours in one process (same concurrency): {single['wall']:.1f}s wall, "
            f"{single['cpu']:.1f}s CPU{ratio}"
        )
    share = again["served"] / max(1, ours["served"])
    print(
        f"\nincremental re-run on the unchanged replay: {again['served']} requests "
        f"({share:.2%} of the full crawl's {ours['served']}), {again['wall']:.1f}s, "
        f"new={again.get('new')} updated={again.get('updated')} "
        f"not_modified={again.get('not_modified')}"
    )


if __name__ == "__main__":
    sys.exit(main())
