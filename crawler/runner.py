"""Run a crawl: `run_crawl` opens a crawl_runs row and runs Scrapy in worker processes.

Twisted's reactor cannot restart within one process, so every crawl runs as
`python -m crawler.runner <spec.json> <worker>`, one process per worker (crawler.shards); each
writes its figures to `<jobs>/run-<id>.worker-<n>.json`, and the parent adds them up, marks
reports gone from a complete full crawl, closes the crawl_runs row and writes
`<jobs>/run-<id>.summary.json`, which run_crawl returns. A crawl killed with kill -9 resumes
with --resume: the child re-walks the listing and skips every report already stored in that run
(the store, written report-last, is the truth; Scrapy's JOBDIR queue is dropped when the last
run did not shut down cleanly, since a killed process leaves it half-written).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from crawler.shards import (
    RUN_COLUMNS,
    UNCLEAN_MARKER,
    merge_figures,
    merged_status,
    shard_job_dir,
    shard_summary_path,
    vanished_ids,
)
from tracker.config import Config
from tracker.db import finish_run, mark_removed, now_iso, open_db, start_run

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SCRAPY_JOB_STATE = ("requests.queue", "requests.seen", "spider.state")


@dataclass(slots=True)
class CrawlOptions:
    """What `pdt crawl` was asked to do."""

    base_url: str = "https://www.judiciary.uk"
    since: str | None = None
    until: str | None = None
    limit: int | None = None
    resume: bool = False
    full: bool = False
    concurrency: int | None = None
    download_files: bool = True
    as_of: str | None = None
    grace_days: int = 90
    workers: int = 1  # Scrapy processes sharing the concurrency (one core each)
    settings: dict[str, Any] = field(default_factory=dict)  # extra Scrapy settings

    @property
    def mode(self) -> str:
        """Return window (--since/--until), full (--full) or incremental."""
        if self.since or self.until:
            return "window"
        return "full" if self.full else "incremental"


@dataclass(slots=True)
class RunSpec:
    """Everything the child process needs, written to a JSON file."""

    run_id: int
    started_at: str
    config: dict[str, Any]
    options: dict[str, Any]
    job_dir: str | None
    summary_path: str
    shards: int = 1


def _config_dict(config: Config) -> dict[str, Any]:
    return {
        "data_dir": str(config.data_dir.resolve()),
        "db_path": str(config.db_path.resolve()),
        "user_agent": config.user_agent,
        "httpcache": config.httpcache,
    }


def _resumable_run(db, options: CrawlOptions) -> dict[str, Any] | None:
    rows = db.execute(
        "SELECT id, started_at FROM crawl_runs WHERE status IN ('running', 'interrupted') "
        "AND base_url = ? AND mode = ? ORDER BY id DESC LIMIT 1",
        [options.base_url, options.mode],
    ).fetchall()
    return {"id": rows[0][0], "started_at": rows[0][1]} if rows else None


def prepare_job_dir(job_dir: Path) -> None:
    """Create the JOBDIR; drop Scrapy's queue if the last run there was killed mid-way."""
    job_dir.mkdir(parents=True, exist_ok=True)
    if (job_dir / UNCLEAN_MARKER).exists():
        log.warning("last crawl in %s did not stop cleanly: resuming from the store", job_dir)
        for name in SCRAPY_JOB_STATE:
            path = job_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


def prepare_run(config: Config, options: CrawlOptions) -> RunSpec:
    """Open (or, with --resume, reopen) a crawl_runs row and write the child's spec file."""
    config.ensure_dirs()
    options.as_of = options.as_of or date.today().isoformat()
    db = open_db(config.db_path)
    previous = _resumable_run(db, options) if options.resume else None
    if previous:
        run_id, started_at = previous["id"], previous["started_at"]
        db["crawl_runs"].update(run_id, {"status": "running"})
    else:
        db.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")
        db.conn.commit()
        run_id = start_run(db, options.mode, options.base_url, options.as_of, asdict(options))
        started_at = db["crawl_runs"].get(run_id)["started_at"]
    db.close()
    shards = 1 if options.limit else max(1, options.workers)  # a limit counts in one process
    job_dir = None
    if options.resume:
        job_dir = config.jobs_dir.resolve() / f"crawl-{options.mode}"
        for shard in range(shards):
            prepare_job_dir(Path(shard_job_dir(str(job_dir), shard, shards)))
    spec = RunSpec(
        run_id=run_id,
        started_at=started_at,
        config=_config_dict(config),
        options={**asdict(options), "mode": options.mode},
        job_dir=str(job_dir) if job_dir else None,
        summary_path=str(config.jobs_dir.resolve() / f"run-{run_id}.summary.json"),
        shards=shards,
    )
    Path(spec.summary_path).unlink(missing_ok=True)
    for shard in range(shards):
        Path(shard_summary_path(spec.summary_path, shard)).unlink(missing_ok=True)
    spec_path = config.jobs_dir.resolve() / f"run-{run_id}.json"
    spec_path.write_text(json.dumps(asdict(spec), indent=1), encoding="utf-8")
    return spec


def crawl_command(config: Config, spec: RunSpec, shard: int = 0) -> list[str]:
    """Return the command line of one worker process of a crawl."""
    return [
        sys.executable,
        "-m",
        "crawler.runner",
        str(config.jobs_dir.resolve() / f"run-{spec.run_id}.json"),
        str(shard),
    ]


def child_env() -> dict[str, str]:
    """Return the environment of the child: this project importable first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def launch(config: Config, spec: RunSpec) -> list[int]:
    """Start every worker of a run, wait for them all, and return their exit codes."""
    procs = [
        subprocess.Popen(crawl_command(config, spec, shard), env=child_env())
        for shard in range(spec.shards)
    ]
    return [proc.wait() for proc in procs]


def read_parts(spec: RunSpec) -> list[dict[str, Any]]:
    """Return the summaries the workers wrote (a killed worker wrote none)."""
    parts = []
    for shard in range(spec.shards):
        path = Path(shard_summary_path(spec.summary_path, shard))
        if path.exists():
            parts.append(json.loads(path.read_text(encoding="utf-8")))
    return parts


def read_summary(
    config: Config, spec: RunSpec, returncode: int | list[int], seconds: float
) -> dict[str, Any]:
    """Add up the workers' figures, mark reports gone, close the run; return its summary."""
    codes = returncode if isinstance(returncode, list) else [returncode]
    parts = read_parts(spec)
    status = merged_status(parts, spec.shards)
    if not parts:
        status = "interrupted" if any(code < 0 for code in codes) else "failed"
    figures = merge_figures(parts)
    db = open_db(config.db_path)
    if parts:
        known = {row[0] for row in db.execute("SELECT id FROM reports WHERE removed_at IS NULL")}
        options = spec.options
        gone = vanished_ids(known, parts, spec.shards, options["mode"], options.get("limit"))
        figures["removed"] = figures.get("removed", 0) + mark_removed(db, gone, now_iso())
    finish_run(db, spec.run_id, {k: figures[k] for k in RUN_COLUMNS if k in figures}, status)
    db.close()
    summary = {
        "run_id": spec.run_id,
        "mode": spec.options["mode"],
        "status": status,
        "workers": spec.shards,
        **figures,
        "seconds": round(seconds, 2),
        "finished_at": now_iso(),
    }
    if not parts:
        summary["returncode"] = codes[0] if len(codes) == 1 else codes
    Path(spec.summary_path).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def run_crawl(config: Config, options: CrawlOptions) -> dict[str, Any]:
    """Crawl the site into the store with its worker processes; return the run summary."""
    spec = prepare_run(config, options)
    started = time.monotonic()
    codes = launch(config, spec)
    return read_summary(config, spec, codes, time.monotonic() - started)


if __name__ == "__main__":
    from crawler.child import main

    sys.exit(main(sys.argv[1:]))
