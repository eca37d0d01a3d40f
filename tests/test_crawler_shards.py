"""Sharing one crawl between worker processes: who fetches what, and how the figures add up."""

from __future__ import annotations

from crawler.shards import (
    merge_figures,
    merged_status,
    page_owner,
    report_owner,
    shard_concurrency,
    shard_job_dir,
    vanished_ids,
)


def part(status="completed", seen=(), listing_failed=False, **figures):
    return {
        "status": status,
        "seen_ids": list(seen),
        "listing_failed": listing_failed,
        "figures": figures,
    }


def test_listing_pages_and_reports_are_shared_out_evenly_and_stably():
    assert [page_owner(n, 3) for n in range(1, 8)] == [0, 1, 2, 0, 1, 2, 0]
    assert {page_owner(n, 1) for n in range(1, 50)} == {0}
    owners = [report_owner(f"report-{i}", 2) for i in range(1000)]
    assert 400 < owners.count(0) < 600
    assert report_owner("report-7", 2) == report_owner("report-7", 2)


def test_workers_share_the_concurrency_and_keep_their_own_job_dirs():
    assert shard_concurrency(8, 2) == 4 and shard_concurrency(3, 2) == 2
    assert shard_concurrency(None, 2) is None and shard_concurrency(8, 1) == 8
    assert shard_job_dir("/j", 0, 1) == "/j" and shard_job_dir("/j", 1, 2) == "/j/worker-1"
    assert shard_job_dir(None, 1, 2) is None


def test_figures_add_up_and_the_worst_status_wins():
    parts = [part(new=3, files=5), part("interrupted", new=2, files=1)]
    assert merge_figures(parts) == {"new": 5, "files": 6}
    assert merged_status(parts, 2) == "interrupted"
    assert merged_status([part()], 2) == "interrupted"  # a worker wrote nothing: it was killed
    assert merged_status([part(), part("failed")], 2) == "failed"
    assert merged_status([part(), part()], 2) == "completed"


def test_only_a_complete_full_crawl_says_a_report_is_gone():
    known = {"a", "b", "c", "d"}
    parts = [part(seen={"a"}), part(seen={"c"})]
    assert vanished_ids(known, parts, 2, "full", None) == ["b", "d"]
    assert vanished_ids(known, parts, 2, "incremental", None) == []
    assert vanished_ids(known, parts, 2, "full", 10) == []
    assert vanished_ids(known, parts[:1], 2, "full", None) == []  # a worker is missing
    failed_listing = [part(seen={"a"}), part(seen={"c"}, listing_failed=True)]
    assert vanished_ids(known, failed_listing, 2, "full", None) == []
