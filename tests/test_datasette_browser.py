"""A real headless Chromium loads the published site: every page and chart, no JavaScript error.

The fixture store is served by a real `datasette` process on loopback. Every page load installs
a collector for uncaught errors and unhandled promise rejections before any script runs, and the
browser's own console log is read too: any error fails the test. Screenshots go to a temporary
folder (or to $PDT_SCREENSHOTS when set), named after the page.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
from pathlib import Path

import pytest

from tests.datasette_fixture import build_fixture_db
from tracker.config import load_config
from tracker.serve import running_datasette

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
]
COLLECT_ERRORS = """
window.__pdtErrors = [];
window.addEventListener("error", function (e) {
  var what = e.message || (e.target && (e.target.src || e.target.href)) || "unknown";
  window.__pdtErrors.push("error: " + what);
}, true);
window.addEventListener("unhandledrejection", function (e) {
  var reason = e.reason && e.reason.message ? e.reason.message : String(e.reason);
  window.__pdtErrors.push("unhandled rejection: " + reason);
});
"""
PAGE_READY = """
var charts = document.querySelectorAll(".pdt-chart[data-chart]");
return document.readyState === "complete" &&
  Array.prototype.every.call(charts, function (el) { return !!el.dataset.state; });
"""
CHART_STATES = """
return Array.prototype.map.call(document.querySelectorAll(".pdt-chart[data-chart]"),
  function (el) {
    var canvas = el.querySelector("canvas");
    return [el.dataset.chart, el.dataset.state, !!(window.Chart && Chart.getChart(canvas))];
  });
"""


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Serve the fixture store with a real datasette process; yield its base URL."""
    data = tmp_path_factory.mktemp("served")
    build_fixture_db(data / "pdt.db")
    with running_datasette(load_config(data), port=free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Return the folder screenshots are saved in."""
    chosen = os.environ.get("PDT_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium driven through chromedriver, collecting JavaScript errors."""
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip(
            "browser test: chromium and chromedriver are not installed (apt chromium-driver)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COLLECT_ERRORS})
    yield driver
    driver.quit()


def visit(driver, url: str, shot: Path | None = None) -> list[str]:
    """Load a page, wait for it and its charts, save a screenshot; return its JS errors."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(PAGE_READY))
    errors = list(driver.execute_script("return window.__pdtErrors || []"))
    errors += [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    if shot is not None:
        save_full_page(driver, shot)
    return errors


def save_full_page(driver, shot: Path) -> None:
    """Save a PNG of the whole page, not only the window (up to 8,000 pixels high)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000), "scale": 1}
    params = {"format": "png", "captureBeyondViewport": True, "clip": clip}
    shot.write_bytes(
        base64.b64decode(driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"])
    )


def test_the_harness_catches_javascript_errors(browser):
    page = (
        "data:text/html,<p>broken</p><script>Promise.reject(new Error('async boom'));"
        "notAFunction();</script>"
    )
    errors = visit(browser, page)
    assert any("notAFunction" in e for e in errors), errors
    assert any("async boom" in e for e in errors), errors


PAGES = {
    "home": ("/", "#search-reports"),
    "table-with-facets": ("/pdt/reports", ".facet-results"),
    "status-facets": ("/pdt/recipient_status?_facet=status", ".facet-results"),
    "canned-query": (
        "/pdt/outstanding_responses?organisation=Northshire&as_of=2022-01-01",
        "table.rows-and-columns",
    ),
    "search-reports": ("/pdt/search_reports?q=ligature", "mark"),
    "search-responses": ("/pdt/search_responses?q=ambulance", "table.rows-and-columns"),
    "organisation": ("/-/organisation/rx2?as_of=2022-01-01", "table.pdt-overdue td.pdt-days"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_renders_without_javascript_errors(browser, site, screenshots, name):
    from selenium.webdriver.common.by import By

    path, selector = PAGES[name]
    errors = visit(browser, site + path, screenshots / f"{name}.png")
    assert errors == [], errors
    assert browser.find_elements(By.CSS_SELECTOR, selector), f"{name}: no {selector}"
    assert (screenshots / f"{name}.png").stat().st_size > 10_000


CHART_PAGES = {
    "charts": ("/-/charts?subtype=mental_health", 4),
    "chart-rates-by-trust": ("/pdt/response_rate_by_trust?subtype=mental_health", 1),
    "chart-rates-by-subtype": ("/pdt/response_rate_by_subtype", 1),
    "chart-reports-per-year": ("/pdt/reports_per_year", 1),
    "chart-reports-per-year-by-subtype": ("/pdt/reports_per_year_by_subtype", 1),
    "chart-themes-by-subtype": ("/pdt/themes_by_subtype", 1),
}


@pytest.mark.parametrize("name", sorted(CHART_PAGES))
def test_every_chart_draws(browser, site, screenshots, name):
    path, expected = CHART_PAGES[name]
    errors = visit(browser, site + path, screenshots / f"{name}.png")
    assert errors == [], errors
    states = browser.execute_script(CHART_STATES)
    assert len(states) == expected, states
    assert all(state == "done" and drawn for _, state, drawn in states), states
