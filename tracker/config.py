"""Settings from PDT_* environment variables; every path lives under one data dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_USER_AGENT = (
    "PreventableDeathsTracker/0.1 (+set PDT_USER_AGENT to a contact address for live crawls)"
)


@dataclass(slots=True, frozen=True)
class Config:
    """Where the tracker keeps its store, and who it says it is."""

    data_dir: Path
    db_path: Path
    user_agent: str = DEFAULT_USER_AGENT
    httpcache: bool = False

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "httpcache"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    def ensure_dirs(self) -> None:
        """Create the data dir and its sub-folders (idempotent)."""
        for path in (self.data_dir, self.files_dir, self.jobs_dir, self.models_dir):
            path.mkdir(parents=True, exist_ok=True)


def load_config(data_dir: str | Path | None = None) -> Config:
    """Build the config from an explicit data dir or PDT_DATA_DIR, PDT_DB, PDT_USER_AGENT."""
    root = Path(data_dir or os.environ.get("PDT_DATA_DIR") or "data")
    db_env = os.environ.get("PDT_DB")
    db_path = Path(db_env) if db_env and data_dir is None else root / "pdt.db"
    return Config(
        data_dir=root,
        db_path=db_path,
        user_agent=os.environ.get("PDT_USER_AGENT", DEFAULT_USER_AGENT),
        httpcache=os.environ.get("PDT_HTTPCACHE", "").lower() in {"1", "true", "yes"},
    )


def parse_as_of(value: str | date | None) -> date:
    """Return the analysis date: an ISO date string, a date, or today when None."""
    if value is None:
        return date.today()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)
