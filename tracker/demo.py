"""The demo: the bundled sample site served on loopback, and every stage run against it."""

from __future__ import annotations

import importlib
import logging
import shutil
from datetime import date
from typing import Any

from tracker.config import Config
from tracker.db import open_db, table_counts

log = logging.getLogger(__name__)


def parse_faults(spec: str) -> dict[str, bool]:
    """Turn 'http_500_first,scanned_pdf' into keyword flags for the replay's Faults."""
    return {name.strip(): True for name in spec.split(",") if name.strip()}


def _optional(module: str, function: str):
    """Return a stage function if its module is built, else None (logged)."""
    try:
        return getattr(importlib.import_module(module), function)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        log.warning("demo: %s is not built yet; skipped", module)
        return None


def run_stages(config: Config, base_url: str, as_of: date, quiet: bool) -> dict[str, Any]:
    """Run crawl, extract, classify and analyse against a site; return their figures."""
    from crawler.runner import CrawlOptions, run_crawl

    figures: dict[str, Any] = {}
    crawl = run_crawl(
        config, CrawlOptions(base_url=base_url, full=True, as_of=as_of.isoformat(), concurrency=8)
    )
    figures.update({f"crawl.{k}": v for k, v in crawl.items()})
    db = open_db(config.db_path)
    steps = (
        ("nlp.extract", "run_extract", dict(config=config, progress=not quiet)),
        ("nlp.classify", "run_classify", dict(config=config, progress=not quiet)),
        ("tracker.analyse", "run_analyse", dict(as_of=as_of)),
    )
    for module, function, kwargs in steps:
        stage = _optional(module, function)
        if stage is not None:
            result = stage(db, **kwargs)
            figures.update({f"{module.split('.')[-1]}.{k}": v for k, v in result.items()})
    return figures


def run_export_packs(config: Config, as_of: date, quiet: bool) -> dict[str, Any]:
    """Write the demo's briefing packs, when the export stage is built."""
    export = _optional("tracker.export", "run_export")
    if export is None:
        return {}
    db = open_db(config.db_path)
    out = config.exports_dir / "mental_health"
    result = export(
        db,
        out=out,
        trust_subtype="mental_health",
        organisation=None,
        theme=None,
        area=None,
        date_from=None,
        date_to=None,
        formats=["csv", "xlsx", "html", "md"],
        as_of=as_of,
        progress=not quiet,
    )
    return {f"export.{k}": v for k, v in result.items()}


def run_demo(config: Config, as_of: date, faults: str = "", quiet: bool = False) -> dict[str, Any]:
    """Build the sample replay, serve it on a free loopback port, and run every stage."""
    from crawler.replay import (
        SAMPLE_CSV,
        Faults,
        ReplayServer,
        SiteConfig,
        build_site,
        load_reports_csv,
    )

    config.ensure_dirs()
    site_dir = config.data_dir / "replay"
    shutil.rmtree(site_dir, ignore_errors=True)
    fault_flags = Faults(**parse_faults(faults))
    build_site(load_reports_csv(SAMPLE_CSV), site_dir, SiteConfig(seed=0, faults=fault_flags))
    with ReplayServer(site_dir, host="127.0.0.1", port=0, faults=fault_flags) as server:
        log.info("replay of the sample site at %s", server.base_url)
        figures = run_stages(config, server.base_url, as_of, quiet)
    figures.update(run_export_packs(config, as_of, quiet))
    db = open_db(config.db_path)
    figures.update({f"rows.{name}": n for name, n in table_counts(db).items()})
    figures["errors"] = db["errors"].count
    figures["database"] = str(config.db_path)
    return figures
