"""Publish the store with Datasette: read-only, immutable, time-limited, loopback by default.

The store is opened once for writing before Datasette starts, so its schema (full-text indexes,
views) is current and its write-ahead log is folded into the file; Datasette then opens it
immutable, which ignores any log. Metadata, templates, plugins and static files live in the
repository's datasette/ folder.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tracker.config import Config
from tracker.db import ensure_search_indexes, open_db

log = logging.getLogger(__name__)

DATASETTE_DIR = Path(__file__).resolve().parents[1] / "datasette"
METADATA_FILE = DATASETTE_DIR / "metadata.yml"
DB_NAME = "pdt"
SETTINGS = {
    "sql_time_limit_ms": "2000",
    "max_returned_rows": "2000",
    "default_page_size": "50",
    "allow_download": "on",
    "facet_time_limit_ms": "500",
    "suggest_facets": "off",
    "num_sql_threads": "4",
}


def load_metadata(db_name: str = DB_NAME) -> dict[str, Any]:
    """Return datasette/metadata.yml, its database section keyed by `db_name`."""
    metadata = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    databases = metadata.get("databases", {})
    if db_name != DB_NAME and DB_NAME in databases:
        databases[db_name] = databases.pop(DB_NAME)
    return metadata


def prepare_database(db_path: Path) -> None:
    """Bring the store's schema and search indexes up to date; fold its log into the file."""
    db = open_db(db_path)
    ensure_search_indexes(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def metadata_file_for(config: Config) -> Path:
    """Return the metadata file to pass to Datasette, written beside the store if renamed."""
    db_name = config.db_path.stem
    if db_name == DB_NAME:
        return METADATA_FILE
    path = config.db_path.with_name(f"{db_name}.datasette-metadata.json")
    path.write_text(json.dumps(load_metadata(db_name), indent=1), encoding="utf-8")
    return path


def folder_args() -> list[str]:
    """Return the --template-dir, --plugins-dir and --static arguments that apply."""
    args: list[str] = []
    for flag, folder in (
        ("--template-dir", "templates"),
        ("--plugins-dir", "plugins"),
        ("--static", "static"),
    ):
        path = DATASETTE_DIR / folder
        if path.is_dir() and any(path.iterdir()):
            args += [flag, f"static:{path}" if flag == "--static" else str(path)]
    return args


def datasette_args(config: Config, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """Return the `datasette serve` arguments for this store."""
    args = ["serve", "--immutable", str(config.db_path), "--host", host, "--port", str(port)]
    args += ["--metadata", str(metadata_file_for(config)), *folder_args()]
    for key, value in SETTINGS.items():
        args += ["--setting", key, value]
    return args


def build_datasette(db_path: Path):
    """Return an in-process Datasette over `db_path`, configured as `pdt serve` configures it."""
    from datasette.app import Datasette

    return Datasette(
        immutables=[str(db_path)],
        metadata=load_metadata(Path(db_path).stem),
        template_dir=str(DATASETTE_DIR / "templates"),
        plugins_dir=str(DATASETTE_DIR / "plugins"),
        static_mounts=[("static", str(DATASETTE_DIR / "static"))],
        settings={key: _setting_value(value) for key, value in SETTINGS.items()},
    )


def _setting_value(value: str) -> Any:
    """Turn a command-line setting into the type Datasette(settings=...) expects."""
    if value in ("on", "off"):
        return value == "on"
    return int(value) if value.isdigit() else value


def datasette_command(config: Config, host: str, port: int) -> list[str]:
    """Return the command that serves the store, after preparing it."""
    if not config.db_path.exists():
        raise FileNotFoundError(f"no database at {config.db_path}: run `pdt demo` or `pdt run`")
    prepare_database(config.db_path)
    return [sys.executable, "-m", "datasette", *datasette_args(config, host, port)]


def serve_datasette(config: Config, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette in the foreground until interrupted."""
    cmd = datasette_command(config, host, port)
    log.info("serving %s at http://%s:%d/", config.db_path, host, port)
    subprocess.run(cmd, check=True)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until `url` answers 200; raise if the server exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"datasette exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise TimeoutError(f"datasette did not answer at {url} within {timeout:.0f}s")


@contextmanager
def running_datasette(config: Config, host: str = "127.0.0.1", port: int = 8001) -> Iterator[str]:
    """Serve the store in a background process; yield its base URL; stop it on exit."""
    process = subprocess.Popen(
        datasette_command(config, host, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://{host}:{port}"
    try:
        wait_until_up(f"{base_url}/-/versions.json", process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
