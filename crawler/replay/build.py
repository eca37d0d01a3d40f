"""Build a replay of the judiciary site from report rows: plan, faults, manifest, pages, files."""

from __future__ import annotations

import json
import logging
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import date
from pathlib import Path

from crawler.replay.faults import apply_content_faults, mark_serving_faults, serving_fault_urls
from crawler.replay.model import (
    MANIFEST,
    WWW,
    DocSpec,
    LandingSpec,
    ReportSpec,
    Site,
    SiteConfig,
    rng_for,
)
from crawler.replay.pdfs import render_document
from crawler.replay.plan import (
    assign_generations,
    fault_landings,
    is_landing_row,
    landing_from_row,
    plan_report,
)
from crawler.replay.state import SiteState, write_atomic

log = logging.getLogger(__name__)
MANIFEST_VERSION = 1


def plan_site(rows: list[dict[str, str]], config: SiteConfig) -> tuple[list[ReportSpec], list]:
    """Plan every report and landing page; deterministic for the config's seed."""
    specs = [plan_report(row, config) for row in rows if not is_landing_row(row)]
    assign_generations(specs, config)
    days = sorted(s.date_added for s in specs) or ["2020-01-01"]
    landings: list[LandingSpec] = []
    for row in rows:
        if is_landing_row(row):
            when = rng_for(config.seed, row["report_url"]).choice(days)
            landings.append(landing_from_row(row, date.fromisoformat(when)))
    landings += fault_landings(specs, config)
    return specs, landings


def manifest_dict(
    specs: list[ReportSpec], landings: list, config: SiteConfig, fault_urls: dict
) -> dict:
    """Return the manifest: the config, every report's truth, landing pages, faulted URLs."""
    return {
        "version": MANIFEST_VERSION,
        "note": "urls are root-relative: join them to the server's base_url",
        "config": config.to_dict(),
        "counts": {
            "reports": len(specs),
            "current": sum(s.generation == "current" for s in specs),
            "legacy": sum(s.generation == "legacy" for s in specs),
            "landing_pages": len(landings),
            "documents": len({d.url for s in specs for d in s.documents}),
        },
        "fault_urls": fault_urls,
        "reports": [s.to_dict() for s in specs],
        "landing_pages": [asdict(x) for x in landings],
    }


def build_site(
    rows: list[dict[str, str]], out_dir: Path | str, config: SiteConfig | None = None
) -> Site:
    """Write a replay into out_dir: manifest.json plus www/ (pages, and files if eager)."""
    started = time.perf_counter()
    config = config or SiteConfig()
    out = Path(out_dir)
    shutil.rmtree(out / WWW, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    specs, landings = plan_site(rows, config)
    fault_urls = apply_content_faults(specs, config.faults, config.seed)
    fault_urls["landing_page"] = [x.url for x in landings if x.source == "fault"]
    manifest = manifest_dict(specs, landings, config, fault_urls)
    state = SiteState(out, manifest)
    paths = state.page_paths() + sorted(state.files)
    fault_urls.update(serving_fault_urls(paths, config.faults, config.seed))
    mark_serving_faults(specs, fault_urls)
    manifest["reports"] = [s.to_dict() for s in specs]
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    pages = write_pages(state)
    files = write_files(state, config.workers) if config.eager_files else 0
    site = Site(out, config, specs, landings, fault_urls, pages, files)
    site.build_seconds = time.perf_counter() - started
    log.info("replay: %d reports, %d pages, %d files", len(specs), pages, site.file_count)
    return site


def write_pages(state: SiteState) -> int:
    """Write every page as www/<path>/index.html, exactly as the server would send it."""
    count = 0
    for path in state.page_paths():
        found = state.resolve(path, "")
        if found is not None:
            write_atomic(state.root / WWW / path.lstrip("/") / "index.html", found.body)
            count += 1
    return count


def _render_batch(batch: list[tuple[DocSpec, ReportSpec]], seed: int, root: str) -> int:
    for doc, report in batch:
        write_atomic(Path(root) / WWW / doc.url.lstrip("/"), render_document(doc, report, seed))
    return len(batch)


def write_files(state: SiteState, workers: int) -> int:
    """Render every document now, in a pool of processes."""
    jobs = [(doc, report) for report, doc in state.files.values()]
    batches = [jobs[i : i + 50] for i in range(0, len(jobs), 50)]
    seed, root = state.config.seed, str(state.root)
    if workers <= 1:
        return sum(_render_batch(b, seed, root) for b in batches)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(_render_batch, batches, [seed] * len(batches), [root] * len(batches)))


def load_site(out_dir: Path | str) -> Site:
    """Load a built replay's Site (config, truth and faulted URLs) from its manifest."""
    state = SiteState.load(Path(out_dir))
    return Site(state.root, state.config, state.reports, state.landings, state.fault_urls)
