"""Shared fixtures: an in-memory store, a temporary data dir, and the shared real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import Config, load_config
from tracker.db import open_db

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_data_file(name: str) -> Path:
    """Return a file of ../shared/data, or skip the test saying clearly that it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"real data ../shared/data/{name} is not present on this machine")
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--network", action="store_true", help="run tests that reach the live site")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--network"):
        return
    skip = pytest.mark.skip(reason="live-site test: pass --network to run it")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def db():
    """A fresh in-memory store with the whole schema."""
    return open_db(":memory:")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A config whose data dir is a temporary folder."""
    cfg = load_config(tmp_path / "data")
    cfg.ensure_dirs()
    return cfg
