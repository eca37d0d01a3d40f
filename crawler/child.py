"""The crawl's child process: run Scrapy once, then close the run with its figures."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.plan import load_plan
from crawler.settings import build_settings
from crawler.spiders.judiciary import JudiciarySpider
from tracker.config import Config
from tracker.db import finish_run, mark_removed, now_iso, open_db

log = logging.getLogger(__name__)

RUN_COLUMNS = ("requests", "pages", "files", "new", "updated", "unchanged", "removed", "failed")
UNCLEAN_MARKER = "pdt.running"


def load_spec(path: str) -> dict[str, Any]:
    """Read the run spec written by crawler.runner.prepare_run."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def figures_from_stats(stats: dict[str, Any]) -> dict[str, int]:
    """Return the run summary's counts from Scrapy's stats."""
    figures = {
        "requests": stats.get("downloader/request_count", 0),
        "pages": stats.get("pdt/pages", 0),
        "files": stats.get("pdt/files", 0),
    }
    for name in ("new", "updated", "unchanged", "removed", "failed", "skipped", "listing_pages"):
        figures[name] = stats.get(f"pdt/{name}", 0)
    figures["retries"] = stats.get("retry/count", 0)
    figures["not_modified"] = stats.get("downloader/response_status_count/304", 0)
    return figures


def vanished(spider: JudiciarySpider) -> list[str]:
    """Return known reports a complete full crawl did not find in any listing."""
    if spider.mode != "full" or spider.limit or spider.listing_failed:
        return []
    return sorted(
        rid
        for rid, known in spider.plan.reports.items()
        if not known.removed and rid not in spider.seen_ids
    )


def run_status(reason: str, spider: JudiciarySpider, figures: dict[str, int]) -> str:
    """Return completed, interrupted or failed."""
    if reason != "finished":
        return "interrupted"
    if spider.listing_failed and figures["pages"] == 0:
        return "failed"
    return "completed"


def finish(config: Config, spec: dict[str, Any], crawler, seconds: float) -> dict[str, Any]:
    """Mark vanished reports removed, close the crawl_runs row, and write the summary file."""
    spider: JudiciarySpider = crawler.spider
    stats = crawler.stats.get_stats()
    figures = figures_from_stats(stats)
    reason = stats.get("finish_reason", "unknown")
    status = run_status(reason, spider, figures)
    db = open_db(config.db_path)
    if status == "completed":
        gone = vanished(spider)
        figures["removed"] += mark_removed(db, gone, now_iso())
    finish_run(db, spec["run_id"], {k: figures[k] for k in RUN_COLUMNS}, status)
    db.close()
    summary = {
        "run_id": spec["run_id"],
        "mode": spec["options"]["mode"],
        "status": status,
        **figures,
        "seconds": round(seconds, 2),
        "finished_at": now_iso(),
    }
    Path(spec["summary_path"]).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def main(argv: list[str]) -> int:
    """Run one crawl described by the spec file argv[0]."""
    spec = load_spec(argv[0])
    config = Config(
        data_dir=Path(spec["config"]["data_dir"]),
        db_path=Path(spec["config"]["db_path"]),
        user_agent=spec["config"]["user_agent"],
        httpcache=spec["config"]["httpcache"],
    )
    options = spec["options"]
    db = open_db(config.db_path)
    plan = load_plan(db, spec["started_at"] if options.get("resume") else None)
    db.close()
    settings = build_settings(
        config, options["base_url"], options.get("concurrency"), spec["run_id"], spec.get("job_dir")
    )
    settings.update(options.get("settings") or {})
    marker = Path(spec["job_dir"]) / UNCLEAN_MARKER if spec.get("job_dir") else None
    if marker:
        marker.write_text(now_iso(), encoding="utf-8")
    started = time.monotonic()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(JudiciarySpider)
    process.crawl(crawler, options=options, plan=plan)
    process.start()
    finish(config, spec, crawler, time.monotonic() - started)
    if marker:
        marker.unlink(missing_ok=True)
    return 0
