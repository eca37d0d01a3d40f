"""A crawl worker process: run Scrapy once over its share of the site, then write its figures."""

from __future__ import annotations

import gc
import json
import logging
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.plan import load_plan
from crawler.settings import build_settings
from crawler.shards import (
    UNCLEAN_MARKER,
    shard_concurrency,
    shard_job_dir,
    shard_summary_path,
)
from crawler.spiders.judiciary import JudiciarySpider
from tracker.config import Config
from tracker.db import now_iso, open_db

log = logging.getLogger(__name__)


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


def run_status(reason: str, spider: JudiciarySpider, figures: dict[str, int]) -> str:
    """Return completed, interrupted or failed."""
    if reason != "finished":
        return "interrupted"
    if spider.listing_failed and figures["pages"] == 0:
        return "failed"
    return "completed"


def shard_summary(crawler, seconds: float) -> dict[str, Any]:
    """Return one process's figures and what the parent needs to judge removals."""
    spider: JudiciarySpider = crawler.spider
    figures = figures_from_stats(crawler.stats.get_stats())
    reason = crawler.stats.get_stats().get("finish_reason", "unknown")
    return {
        "shard": spider.shard,
        "status": run_status(reason, spider, figures),
        "figures": figures,
        "seen_ids": sorted(spider.seen_ids),
        "listing_failed": spider.listing_failed,
        "seconds": round(seconds, 2),
    }


def quieten_gc() -> None:
    """Collect less often: a crawl allocates many short-lived objects and few cycles.

    The objects alive after start-up (modules, settings, the plan) are frozen out of every
    later collection, and the youngest generation is collected after 50,000 allocations
    instead of 700, which saves several per cent of a CPU-bound crawl's time. No collection
    runs first: start-up leaves little garbage, and a full pass over every module's objects
    cost a tenth of a second per process.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def drop_unshown_records(level: str) -> None:
    """Make loggers skip records below the shown level instead of building and dropping them.

    Scrapy filters at its handler and leaves the root logger at NOTSET, so every response's
    "Crawled (200)" debug record is formatted and thrown away: about 2% of a crawl's CPU.
    """
    logging.root.setLevel(level)


def main(argv: list[str]) -> int:
    """Run worker argv[1] (default 0) of the crawl described by the spec file argv[0]."""
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
    shard, shards = int(argv[1]) if len(argv) > 1 else 0, spec.get("shards", 1)
    job_dir = shard_job_dir(spec.get("job_dir"), shard, shards)
    settings = build_settings(
        config,
        options["base_url"],
        shard_concurrency(options.get("concurrency"), shards),
        spec["run_id"],
        job_dir,
    )
    settings.update(options.get("settings") or {})
    marker = Path(job_dir) / UNCLEAN_MARKER if job_dir else None
    if marker:
        marker.write_text(now_iso(), encoding="utf-8")
    started = time.monotonic()
    quieten_gc()
    process = CrawlerProcess(settings)
    drop_unshown_records(settings.get("LOG_LEVEL", "INFO"))
    crawler = process.create_crawler(JudiciarySpider)
    process.crawl(crawler, options=options, plan=plan, shard=(shard, shards))
    process.start()
    summary = shard_summary(crawler, time.monotonic() - started)
    path = Path(shard_summary_path(spec["summary_path"], shard))
    path.write_text(json.dumps(summary), encoding="utf-8")
    if marker:
        marker.unlink(missing_ok=True)
    return 0
