"""A faithful, fault-injecting replay of the judiciary website, for tests, benchmarks and the demo.

Test and demo infrastructure only: the crawler's production code never imports it.

    rows = load_reports_csv(SAMPLE_CSV)
    site = build_site(rows, out_dir, SiteConfig(seed=0, faults=Faults.from_names("slow")))
    with ReplayServer(out_dir) as srv:
        fetch(srv.base_url + "/prevention-of-future-death-reports/")

out_dir/manifest.json (and Site.expected, one ReportSpec per report) is the truth a crawler should
recover. URLs are root-relative (join them to srv.base_url). Per report: id (final URL slug), url,
generation (current | legacy), title, ref_raw (as printed) and ref (YYYY-NNNN[A], None when
absent), date_of_report_raw (as printed, NBSPs kept) and date_of_report (ISO, None when the page's
text holds no full date), date_in_pdf, date_added, deceased_name, coroner_name, coroner_area,
categories, recipients_raw (page text, "" when the page has none), recipients_pdf (the PDF's
"THIS REPORT IS BEING SENT TO" list), documents (url, kind report|response|other, file_name,
organisation = letterhead of a response, org_in_name, link_text, date_added, faults), pdf_button,
button_style, pasted, labels, omitted (metadata lines absent from the page) and faults
("missing_field:ref", "scanned_pdf:<url>", "http_500_first:<url>", ...). Top level: config,
counts, fault_urls (fault name -> URLs) and landing_pages (listed entries with no report data).
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
