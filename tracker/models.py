"""Dataclasses passed between stages; the database rows are built from these."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# The NHS trust subtypes every stage and export uses.
NHS_TRUST_SUBTYPES = (
    "acute",
    "specialist",
    "mental_health",
    "mental_health_and_community",
    "community",
    "ambulance",
)


def stable_id(*parts: str) -> str:
    """Return a short SHA1 of the parts, for ids that must not change between runs."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class Report:
    """One report page as the site shows it (or as an imported CSV row gives it)."""

    id: str
    url: str
    generation: str = "current"  # current | legacy | import
    title: str = ""
    ref: str | None = None
    ref_raw: str = ""
    date_of_report: str | None = None
    date_of_report_raw: str = ""
    date_added: str | None = None
    deceased_name: str = ""
    coroner_name: str = ""
    coroner_area: str = ""
    coroner_area_raw: str = ""
    categories: list[str] = field(default_factory=list)
    recipients_raw: str = ""
    page_text: str = ""
    source: str = "html"  # html | import

    def to_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Document:
    """One link from a report page to a file (the report PDF, a response, or other)."""

    id: str
    report_id: str
    url: str
    kind: str  # report | response | other
    link_text: str = ""
    file_name: str = ""
    org_hint: str = ""  # organisation named in a response's file name or link text
    position: int = 0

    def to_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class FetchedFile:
    """A downloaded document body in the content-addressed store."""

    document_id: str
    url: str
    sha256: str
    path: str
    size: int
    content_type: str = ""
    http_status: int = 200
    fetched_at: str = ""


@dataclass(slots=True)
class ErrorRow:
    """Bad input met by a stage: logged, counted, and the run goes on."""

    stage: str
    message: str
    url: str = ""
    report_id: str = ""
    kind: str = "error"
    run_id: int | None = None


@dataclass(slots=True)
class StageCounts:
    """What a stage did: the figures every run summary reports."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0

    def add(self, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
