"""Run pfd-toolkit's Scraper (HTML then PDF stages, no LLM) on a replay; write its rows as JSON.

    <pfd-toolkit's python> bench/pfd_toolkit_child.py BASE_URL CONCURRENCY OUT.json

Started by bench/crawl.py with the interpreter of pfd-toolkit's own virtual environment, so
neither tool's dependencies are loaded into the other's processes (pfd-toolkit brings pandas,
which sqlite-utils imports whenever it is installed). Imports nothing from this repository.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urljoin

PFD_TEMPLATE = (
    "/page/{page}/?s&pfd_report_type&post_type=pfd&order=relevance"
    "&after-day={after_day}&after-month={after_month}&after-year={after_year}"
    "&before-day={before_day}&before-month={before_month}&before-year={before_year}"
)


def main(base: str, concurrency: int, out: str) -> int:
    from pfd_toolkit import Scraper

    scraper = Scraper(
        category="all",
        max_workers=concurrency,
        max_requests=concurrency,
        delay_range=None,
        scraping_strategy=[1, 2, -1],
    )
    # Its host is hard-coded in ScraperConfig.CATEGORY_TEMPLATES; the instance's template wins.
    scraper.page_template = base + PFD_TEMPLATE
    session_get = scraper.cfg.session.get
    # The replay's links are root-relative (the live site's are absolute): join them.
    scraper.cfg.session.get = lambda url, **kw: session_get(urljoin(base + "/", url), **kw)
    frame = scraper.scrape_reports()
    Path(out).write_text(frame.to_json(orient="records"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
