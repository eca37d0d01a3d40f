"""The items the spider yields; pipelines turn each into writes through tracker.db."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracker.models import Document, Report


@dataclass
class ReportItem:
    """A fetched report page: the report, its document links, problems found, validators.

    `file_urls` holds the documents to download (FilesPipeline's input); `files` gets one
    result per URL, in the same order (its output).
    """

    report: Report
    documents: list[Document]
    problems: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    file_urls: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SeenItem:
    """A report page that answered 304 Not Modified: it is still there, unchanged."""

    report_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class GoneItem:
    """A known report page that now answers 404 or 410: mark it removed, never delete it."""

    report_id: str
    url: str
    status: int


@dataclass
class ProblemItem:
    """Something that went wrong or was skipped: becomes an errors row and a count."""

    url: str
    message: str
    kind: str = "error"  # error | http | parse | skipped
    report_id: str = ""
