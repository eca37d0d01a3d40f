"""Run bookkeeping and settings: crawl_runs rows, resume choice, politeness by host."""

from __future__ import annotations

from crawler.runner import CrawlOptions, prepare_job_dir, prepare_run, read_summary
from crawler.settings import build_settings, is_loopback
from tracker.db import open_db


def test_options_choose_the_mode():
    assert CrawlOptions().mode == "incremental"
    assert CrawlOptions(full=True).mode == "full"
    assert CrawlOptions(since="2024-01-01", full=True).mode == "window"


def test_a_dead_child_closes_its_run_and_resume_reopens_it(config):
    options = CrawlOptions(base_url="http://127.0.0.1:9", full=True, as_of="2024-01-01")
    spec = prepare_run(config, options)
    summary = read_summary(config, spec, returncode=-9, seconds=1.0)
    assert summary["status"] == "interrupted"
    assert open_db(config.db_path)["crawl_runs"].get(spec.run_id)["status"] == "interrupted"
    again = prepare_run(config, CrawlOptions(base_url="http://127.0.0.1:9", full=True, resume=True))
    assert (again.run_id, again.started_at) == (spec.run_id, spec.started_at)
    assert again.job_dir and again.job_dir.endswith("crawl-full")
    fresh = prepare_run(config, CrawlOptions(base_url="http://127.0.0.1:9", full=True))
    assert fresh.run_id != spec.run_id
    runs = {r["id"]: r["status"] for r in open_db(config.db_path)["crawl_runs"].rows}
    assert runs[spec.run_id] == "interrupted" and runs[fresh.run_id] == "running"


def test_an_unclean_job_dir_loses_scrapys_queue_but_a_clean_one_keeps_it(tmp_path):
    job = tmp_path / "job"
    (job / "requests.queue").mkdir(parents=True)
    (job / "requests.seen").write_text("abc\n")
    prepare_job_dir(job)
    assert (job / "requests.seen").exists()  # stopped cleanly: Scrapy resumes from its queue
    (job / "pdt.running").write_text("x")
    prepare_job_dir(job)
    assert not (job / "requests.seen").exists() and not (job / "requests.queue").exists()


def test_settings_are_polite_for_the_live_site_and_quick_on_loopback(config):
    live = build_settings(config, "https://www.judiciary.uk", None, 1, None)
    assert live["ROBOTSTXT_OBEY"] and live["AUTOTHROTTLE_ENABLED"]
    assert live["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2 and live["DOWNLOAD_DELAY"] > 0
    assert live["USER_AGENT"] == config.user_agent and 500 in live["RETRY_HTTP_CODES"]
    assert "JOBDIR" not in live
    local = build_settings(config, "http://127.0.0.1:8000", 16, 1, "/tmp/job")
    assert local["CONCURRENT_REQUESTS_PER_DOMAIN"] == 16 and local["DOWNLOAD_DELAY"] == 0
    assert local["ROBOTSTXT_OBEY"] and local["JOBDIR"] == "/tmp/job"
    assert is_loopback("http://localhost:1") and not is_loopback("https://10.0.0.1")
