"""Save the README's picture of an organisation page, from fictional data only.

The demo's sample site is fictional, so its busiest NHS trust is pictured when the demo gives
it enough to show (three requests and some themes); otherwise the test fixture's merged mental
health trust is, which shows every part of the page. Real reports (../shared/data) are never
pictured: the repository holds no text copied from them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlite_utils

REPO = Path(__file__).resolve().parents[1]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1500",
    "--virtual-time-budget=5000",
]
BUSIEST_TRUST = """
SELECT rs.organisation_id FROM recipient_status rs
WHERE rs.organisation_id > '' AND rs.nhs_trust_subtype > ''
  AND EXISTS (SELECT 1 FROM report_themes t WHERE t.report_id = rs.report_id)
GROUP BY rs.organisation_id HAVING COUNT(*) >= 3
ORDER BY COUNT(*) DESC, rs.organisation_id LIMIT 1
"""


def demo_store(work: Path) -> tuple[Path, str] | None:
    """Build the demo store; return it with its busiest trust, or None if it has none."""
    cmd = [
        sys.executable,
        str(REPO / "pipeline.py"),
        "-q",
        "--data-dir",
        str(work),
        "demo",
        "--no-serve",
    ]
    if subprocess.run(cmd, cwd=REPO, capture_output=True).returncode != 0:
        return None
    row = next(iter(sqlite_utils.Database(work / "pdt.db").execute(BUSIEST_TRUST)), None)
    return (work / "pdt.db", row[0]) if row else None


def fixture_store(work: Path) -> tuple[Path, str]:
    """Build the test fixture's store; return it with its merged mental health trust."""
    sys.path.insert(0, str(REPO))
    from tests.datasette_fixture import build_fixture_db

    return build_fixture_db(work / "pdt.db"), "rx2"


def screenshot(url: str, out: Path, profile: Path) -> None:
    """Save a PNG of a page with headless Chromium, trimmed of the empty space below it."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium is not installed")
    cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}", url]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    trim_bottom(out)


def trim_bottom(path: Path, margin: int = 16) -> None:
    """Cut the rows below the page's last content, keeping a small margin."""
    from PIL import Image, ImageChops

    with Image.open(path) as image:
        rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, rgb.getpixel((0, rgb.height - 1)))
    box = ImageChops.difference(rgb, background).getbbox()
    if box and box[3] + margin < rgb.height:
        rgb.crop((0, 0, rgb.width, box[3] + margin)).save(path, optimize=True)


def save_docs_screenshot(out: Path) -> str:
    """Picture an organisation page from fictional data; return what was saved."""
    from tracker.config import load_config
    from tracker.serve import running_datasette

    with tempfile.TemporaryDirectory(prefix="pdt-shot-") as tmp:
        work = Path(tmp)
        found = demo_store(work / "demo") or fixture_store(work / "fixture")
        store, organisation = found
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with running_datasette(load_config(store.parent), port=port) as base:
            out.parent.mkdir(parents=True, exist_ok=True)
            screenshot(f"{base}/-/organisation/{organisation}", out, work / "chromium")
    source = "demo" if "demo" in str(store) else "test fixture"
    return f"saved {out.relative_to(REPO)}: organisation {organisation} of the {source} store"
