"""A faithful, fault-injecting replay of the judiciary website, for tests, benchmarks and the demo.

Test and demo infrastructure only: the crawler's production code never imports it.

    rows = load_reports_csv(SAMPLE_CSV)
    site = build_site(rows, out_dir, SiteConfig(seed=0, faults=Faults.from_names("slow")))
    with ReplayServer(out_dir) as srv:
        fetch(srv.base_url + "/prevention-of-future-death-reports/")
"""

from __future__ import annotations

from pathlib import Path

from crawler.replay.blocks import due_date, report_sections
from crawler.replay.build import build_site, load_site
from crawler.replay.model import (
    CATEGORIES,
    DocSpec,
    Faults,
    LandingSpec,
    ReportSpec,
    Site,
    SiteConfig,
    category_slug,
)
from crawler.replay.rows import load_reports_csv, normalise_ref, parse_date_text
from crawler.replay.server import ReplayServer
from crawler.replay.state import load_manifest

SAMPLE_CSV = Path(__file__).resolve().parent / "sample" / "reports.csv"

__all__ = [
    "CATEGORIES",
    "SAMPLE_CSV",
    "DocSpec",
    "Faults",
    "LandingSpec",
    "ReplayServer",
    "ReportSpec",
    "Site",
    "SiteConfig",
    "build_site",
    "category_slug",
    "due_date",
    "load_manifest",
    "load_reports_csv",
    "load_site",
    "normalise_ref",
    "parse_date_text",
    "report_sections",
]
