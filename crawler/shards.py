"""Split one crawl across worker processes, and merge what they report.

Scrapy runs on one core; `pdt crawl --workers N` runs N Scrapy processes that share the run's
concurrency and its store. Listing page n belongs to worker (n - 1) % N, and a worker fetches
the reports listed on its own pages; every worker reads page 1 to learn how many pages there
are. Reports re-checked without a listing (an incremental run's outstanding responses) belong
to a worker by a hash of their id. Each worker writes its own summary; the parent adds them up
and decides removals from the union of what the workers saw.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

UNCLEAN_MARKER = "pdt.running"
RUN_COLUMNS = ("requests", "pages", "files", "new", "updated", "unchanged", "removed", "failed")
STATUS_ORDER = ("failed", "interrupted", "completed")


def page_owner(page: int, shards: int) -> int:
    """Return the worker that walks listing page `page` (1-based)."""
    return (page - 1) % shards


def report_owner(report_id: str, shards: int) -> int:
    """Return the worker that re-checks a report found without a listing."""
    return zlib.crc32(report_id.encode("utf-8")) % shards


def shard_concurrency(total: int | None, shards: int) -> int | None:
    """Return each worker's share of the run's concurrency (None: the settings' default)."""
    if total is None or shards <= 1:
        return total
    return max(1, -(-total // shards))


def shard_job_dir(job_dir: str | None, shard: int, shards: int) -> str | None:
    """Return a worker's JOBDIR: the run's own with one worker, a subfolder with several."""
    if not job_dir or shards <= 1:
        return job_dir
    return str(Path(job_dir) / f"worker-{shard}")


def shard_summary_path(summary_path: str, shard: int) -> str:
    """Return where worker `shard` writes its summary."""
    return summary_path.removesuffix(".summary.json") + f".worker-{shard}.json"


def merge_figures(parts: list[dict[str, Any]]) -> dict[str, int]:
    """Add up the workers' counts."""
    total: dict[str, int] = {}
    for part in parts:
        for key, value in part["figures"].items():
            total[key] = total.get(key, 0) + int(value)
    return total


def merged_status(parts: list[dict[str, Any]], shards: int) -> str:
    """Return the run's status: the worst of its workers' (a missing worker: interrupted)."""
    statuses = [p["status"] for p in parts] + ["interrupted"] * (shards - len(parts))
    return min(statuses, key=STATUS_ORDER.index) if statuses else "interrupted"


def vanished_ids(
    known: set[str], parts: list[dict[str, Any]], shards: int, mode: str, limit: int | None
) -> list[str]:
    """Return known reports that a complete full crawl found in no listing.

    Only a full, unlimited run whose every worker completed with every listing page read can
    say a report is gone.
    """
    if mode != "full" or limit or merged_status(parts, shards) != "completed":
        return []
    if any(p["listing_failed"] for p in parts):
        return []
    seen = set().union(*(p["seen_ids"] for p in parts))
    return sorted(known - seen)
