"""The crawler end to end over a local replay of the site (crawler.replay), in child processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from crawler.fields import fold
from crawler.replay import Faults, ReplayServer, SiteConfig, build_site
from crawler.runner import CrawlOptions, child_env, crawl_command, prepare_run, run_crawl
from crawler.urls import CURRENT_LISTING, LEGACY_LISTING
from tests.crawler_site import make_rows
from tracker.config import load_config
from tracker.db import open_db

SITE = "https://www.judiciary.uk"
QUIET = {"LOG_LEVEL": "WARNING"}
ROWS = make_rows(120)


def last_added(site_dir: Path) -> date:
    manifest = json.loads((site_dir / "manifest.json").read_text())
    return max(date.fromisoformat(r["date_added"]) for r in manifest["reports"])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("replay")
    build_site(ROWS, root, SiteConfig(seed=3, legacy_share=0.3))
    return root


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """A full crawl of the clean replay: (data dir, summary, requests the server saw)."""
    config = load_config(tmp_path_factory.mktemp("full") / "data")
    with ReplayServer(site) as srv:
        summary = run_crawl(config, options(srv, full=True))
        return config.data_dir, summary, srv.request_count


def options(srv, **kwargs) -> CrawlOptions:
    kwargs.setdefault("as_of", (last_added(srv.state.root) + timedelta(days=60)).isoformat())
    return CrawlOptions(base_url=srv.base_url, concurrency=8, settings=dict(QUIET), **kwargs)


def copy_store(data_dir: Path, tmp_path: Path):
    target = tmp_path / "data"
    shutil.copytree(data_dir, target, ignore=shutil.ignore_patterns("jobs"))
    return load_config(target)


def counts(data_dir: Path) -> dict[str, int]:
    db = open_db(data_dir / "pdt.db")
    return {t: db[t].count for t in ("reports", "documents", "document_versions", "errors")}


def snapshot(data_dir: Path) -> dict[str, list]:
    """Return the crawled content of a store, without timestamps or run ids."""
    db = open_db(data_dir / "pdt.db")
    return {
        "reports": db.execute(
            "SELECT id, ref, date_of_report, deceased_name, coroner_name, coroner_area, "
            "recipients_raw, categories, page_text, content_hash, removed_at IS NULL "
            "FROM reports ORDER BY id"
        ).fetchall(),
        "documents": db.execute(
            "SELECT id, report_id, url, kind, org_hint, sha256, path, size "
            "FROM documents ORDER BY id"
        ).fetchall(),
        "versions": db.execute(
            "SELECT document_id, sha256 FROM document_versions ORDER BY 1, 2"
        ).fetchall(),
    }


def test_full_crawl_recovers_every_report_and_document(site, crawled):
    data_dir, summary, requests = crawled
    manifest = json.loads((site / "manifest.json").read_text())
    assert summary["status"] == "completed"
    assert summary["new"] == len(manifest["reports"]) and summary["failed"] == 0
    assert summary["requests"] == requests  # every request the replay saw is counted
    db = open_db(data_dir / "pdt.db")
    reports = {r["id"]: r for r in db["reports"].rows}
    docs = {d["url"]: d for d in db["documents"].rows}
    assert {r["generation"] for r in reports.values()} == {"current", "legacy"}
    for spec in manifest["reports"]:
        row = reports[spec["id"]]
        assert row["ref"] == spec["ref"]
        assert row["date_of_report"] == spec["date_of_report"]
        for field in ("deceased_name", "coroner_name", "recipients_raw"):
            assert fold(row[field]) == fold(spec[field]), field
        assert fold(row["coroner_area_raw"]) == fold(spec["coroner_area"])
        assert json.loads(row["categories"]) == spec["categories"]
        for doc in spec["documents"]:
            stored = docs[SITE + doc["url"]]
            assert stored["kind"] == doc["kind"], doc["file_name"]
            assert stored["sha256"] and (data_dir / stored["path"]).exists()
            if doc["kind"] == "response":
                assert fold(stored["org_hint"]) == fold(doc["org_in_name"])


def test_unchanged_site_second_run_adds_nothing_and_costs_few_requests(site, crawled, tmp_path):
    data_dir, first, _ = crawled
    config = copy_store(data_dir, tmp_path)
    before = counts(config.data_dir)
    with ReplayServer(site) as srv:
        summary = run_crawl(config, options(srv))
        requests = srv.request_count
    assert summary["mode"] == "incremental" and summary["status"] == "completed"
    assert counts(config.data_dir) == before
    assert (summary["new"], summary["updated"], summary["files"]) == (0, 0, 0)
    assert summary["not_modified"] > 0  # recent reports were re-checked, each at a 304's cost
    assert requests <= 0.05 * first["requests"]


def test_incremental_run_finds_a_new_response_on_a_recent_report(site, crawled, tmp_path):
    data_dir, _, _ = crawled
    config = copy_store(data_dir, tmp_path)
    manifest = json.loads((site / "manifest.json").read_text())
    newest = max(manifest["reports"], key=lambda r: r["date_added"])
    with ReplayServer(site) as srv:
        added = srv.add_response(newest["id"], "Eastshire Police", last_added(site))
        summary = run_crawl(config, options(srv))
    assert summary["updated"] == 1 and summary["files"] == 1
    doc = next(open_db(config.db_path)["documents"].rows_where("url = ?", [SITE + added.url]))
    assert (doc["kind"], doc["org_hint"]) == ("response", "Eastshire Police")
    assert doc["sha256"]


def test_two_workers_build_the_same_store_as_one(site, crawled, tmp_path):
    data_dir, first, requests_one = crawled
    config = load_config(tmp_path / "data")
    with ReplayServer(site) as srv:
        summary = run_crawl(config, options(srv, full=True, workers=2))
        requests_two = srv.request_count
        paths = [path for _, path, _ in srv.log]
    assert summary["status"] == "completed" and summary["workers"] == 2
    assert snapshot(config.data_dir) == snapshot(data_dir)
    assert (summary["new"], summary["files"]) == (first["new"], first["files"])
    # each extra worker reads robots.txt and the first page of each listing; nothing else twice
    assert requests_two - requests_one <= 3
    twice = {path for path, n in Counter(paths).items() if n > 1}
    assert twice == {"/robots.txt", CURRENT_LISTING, LEGACY_LISTING}
    runs = list(open_db(config.db_path)["crawl_runs"].rows)
    assert len(runs) == 1 and runs[0]["new"] == first["new"]


@pytest.mark.parametrize("workers", [1, 2])
def test_full_recrawl_marks_removed_reports_and_keeps_old_file_versions(
    site, crawled, tmp_path, workers
):
    data_dir, _, _ = crawled
    config = copy_store(data_dir, tmp_path)
    manifest = json.loads((site / "manifest.json").read_text())
    gone = sorted(r["id"] for r in manifest["reports"])[:2]
    changed = manifest["reports"][5]["documents"][0]["url"]
    with ReplayServer(site) as srv:
        srv.set_removed(gone)
        srv.replace_document(changed)
        summary = run_crawl(config, options(srv, full=True, workers=workers))
    assert summary["removed"] == 2 and summary["status"] == "completed"
    db = open_db(config.db_path)
    removed = [r["id"] for r in db["reports"].rows_where("removed_at IS NOT NULL")]
    assert sorted(removed) == gone and db["reports"].count == len(manifest["reports"])
    doc = next(db["documents"].rows_where("url = ?", [SITE + changed]))
    versions = [
        v["sha256"] for v in db["document_versions"].rows_where("document_id = ?", [doc["id"]])
    ]
    assert len(versions) == 2 and doc["sha256"] in versions
    assert summary["files"] == 1  # everything else answered 304


def test_faults_end_as_error_rows_or_retries(tmp_path):
    faults = Faults(
        http_500_first=0.08,
        slow=0.04,
        truncated_pdf=0.08,
        landing_page=0.04,
        missing_field=0.08,
        slow_seconds=2.5,
        slow_times=1,
    )
    root = tmp_path / "faulty"
    site = build_site(ROWS[:60], root, SiteConfig(seed=5, legacy_share=0.3, faults=faults))
    config = load_config(tmp_path / "data")
    with ReplayServer(root) as srv:
        opts = options(srv, full=True)
        opts.settings.update(DOWNLOAD_TIMEOUT=1, RETRY_TIMES=3)
        summary = run_crawl(config, opts)
        seen = dict(srv.requests_by_path)
    assert summary["status"] == "completed"
    db = open_db(config.db_path)
    errors = {(e["kind"], e["url"]) for e in db["errors"].rows}
    stored_docs = {d["url"] for d in db["documents"].rows_where("sha256 IS NOT NULL")}
    reports = {r["url"] for r in db["reports"].rows}
    for path in site.fault_urls["truncated_pdf"]:
        assert ("file", SITE + path) in errors and SITE + path in stored_docs
    for path in site.fault_urls["missing_field"]:
        assert ("parse", SITE + path) in errors and SITE + path in reports
    for path in site.fault_urls["landing_page"]:
        assert ("skipped", SITE + path) in errors
    retried = site.fault_urls["http_500_first"] + site.fault_urls["slow"]
    assert retried and summary["retries"] >= len(retried)
    skipped = {url for kind, url in errors if kind == "skipped"}
    listings = ("/prevention-of-future-death-reports/", "/subject/prevention-of-future-deaths/")
    for path in retried:
        assert seen[path] >= 2, path  # failed or timed out once, then fetched again
        done = SITE + path in reports | stored_docs | skipped
        assert done or path.startswith(listings) and "/page/" in path or path in listings
    assert summary["failed"] == len([e for e in errors if e[0] != "skipped"])


def test_killed_crawl_resumes_to_the_same_store(site, crawled, tmp_path):
    data_dir, _, _ = crawled
    config = load_config(tmp_path / "data")
    with ReplayServer(site) as srv:
        opts = options(srv, full=True, resume=True)
        opts.concurrency = 2
        spec = prepare_run(config, opts)
        child = subprocess.Popen(crawl_command(config, spec), env=child_env())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if config.db_path.exists() and open_db(config.db_path)["reports"].count >= 25:
                break
            time.sleep(0.05)
        assert child.poll() is None, "the crawl ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        stored_before = open_db(config.db_path)["reports"].count
        assert 25 <= stored_before < 120
        assert (Path(spec.job_dir) / "pdt.running").exists()  # an unclean stop is detectable
        resumed = run_crawl(config, options(srv, full=True, resume=True))
    assert resumed["run_id"] == spec.run_id and resumed["status"] == "completed"
    assert resumed["new"] == 120 - stored_before  # work already stored was not redone
    assert snapshot(config.data_dir) == snapshot(data_dir)


def test_date_window_uses_the_search_listing(site, tmp_path):
    manifest = json.loads((site / "manifest.json").read_text())
    current = sorted(r["date_added"] for r in manifest["reports"] if r["generation"] == "current")
    since, until = current[2], current[8]
    expected = {
        r["id"]
        for r in manifest["reports"]
        if r["generation"] == "current" and since <= r["date_added"] <= until
    }
    config = load_config(tmp_path / "data")
    with ReplayServer(site) as srv:
        summary = run_crawl(config, options(srv, since=since, until=until))
    assert summary["mode"] == "window" and summary["new"] == len(expected)
    assert {r["id"] for r in open_db(config.db_path)["reports"].rows} == expected
