"""Publish the store with Datasette: read-only, immutable, time-limited, loopback by default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tracker.config import Config

DATASETTE_DIR = Path(__file__).resolve().parents[1] / "datasette"
SETTINGS = {
    "sql_time_limit_ms": "3000",
    "max_returned_rows": "2000",
    "default_page_size": "50",
    "allow_download": "on",
    "facet_time_limit_ms": "500",
}


def datasette_args(config: Config, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """Return the `datasette serve` arguments for this store."""
    args = ["serve", "--immutable", str(config.db_path), "--host", host, "--port", str(port)]
    metadata = DATASETTE_DIR / "metadata.yml"
    if metadata.exists():
        args += ["--metadata", str(metadata)]
    for flag, folder in (
        ("--template-dir", "templates"),
        ("--plugins-dir", "plugins"),
        ("--static", "static"),
    ):
        path = DATASETTE_DIR / folder
        if path.is_dir() and any(path.iterdir()):
            args += [flag, f"static:{path}" if flag == "--static" else str(path)]
    for key, value in SETTINGS.items():
        args += ["--setting", key, value]
    return args


def serve_datasette(config: Config, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette in the foreground until interrupted."""
    if not config.db_path.exists():
        raise FileNotFoundError(f"no database at {config.db_path}: run `pdt demo` or `pdt run`")
    cmd = [sys.executable, "-m", "datasette", *datasette_args(config, host, port)]
    subprocess.run(cmd, check=True)
