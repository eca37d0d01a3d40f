"""Dataclasses of the replay: its configuration, faults, and the planned site (the truth)."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

CATEGORIES: tuple[str, ...] = (
    "Accident at Work and Health and Safety related deaths",
    "Alcohol, drug and medication related deaths",
    "Care Home Health related deaths",
    "Child Death (from 2015)",
    "Community health care and emergency services related deaths",
    "Emergency services related deaths (2019 onwards)",
    "Hospital Death (Clinical Procedures and medical management) related deaths",
    "Mental Health related deaths",
    "Other related deaths",
    "Police related deaths",
    "Product related deaths",
    "Railway related deaths",
    "Road (Highways Safety) related deaths",
    "Service Personnel related deaths",
    "State Custody related deaths",
    "Suicide (from 2015)",
    "Wales prevention of future deaths reports (2019 onwards)",
)

CURRENT_LISTING = "/prevention-of-future-death-reports/"
LEGACY_LISTING = "/subject/prevention-of-future-deaths/"
MANIFEST = "manifest.json"
WWW = "www"


def category_slug(name: str) -> str:
    """Return the `pfd_report_type` slug: lower-cased, hyphenated, brackets and commas dropped."""
    text = re.sub(r"[^a-z0-9\s-]", "", name.lower())
    return re.sub(r"[\s-]+", "-", text).strip("-")


def rng_for(seed: int, *keys: object) -> random.Random:
    """Return a random generator that depends only on the seed and the keys."""
    text = "\x1f".join(str(k) for k in (seed, *keys))
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def pick_subset(keys: Sequence[str], share: float, seed: int, name: str) -> list[str]:
    """Choose round(share * n) keys (at least one when share > 0), the same for the same seed."""
    if share <= 0 or not keys:
        return []
    count = min(len(keys), max(1, round(share * len(keys))))

    def rank(key: str) -> str:
        return hashlib.sha256(f"{seed}\x1f{name}\x1f{key}".encode()).hexdigest()

    return sorted(sorted(keys, key=rank)[:count])


@dataclass(slots=True)
class Faults:
    """Which faults to inject; each is the share of candidates it touches (0 switches it off).

    True switches a fault on at its default share (DEFAULT_SHARES), so Faults(slow=True) works.

    Content faults (truncated_pdf, scanned_pdf, landing_page, missing_field) are baked in by
    build_site; serving faults (http_500_first, slow) are applied by ReplayServer.
    """

    http_500_first: float = 0.0
    slow: float = 0.0
    truncated_pdf: float = 0.0
    scanned_pdf: float = 0.0
    landing_page: float = 0.0
    missing_field: float = 0.0
    slow_seconds: float = 3.0
    http_500_times: int = 1
    slow_times: int = 0  # 0: slow every time; n: only the first n requests

    NAMES: ClassVar[tuple[str, ...]] = (
        "http_500_first",
        "slow",
        "truncated_pdf",
        "scanned_pdf",
        "landing_page",
        "missing_field",
    )
    DEFAULT_SHARES: ClassVar[dict[str, float]] = {
        "http_500_first": 0.05,
        "slow": 0.02,
        "truncated_pdf": 0.03,
        "scanned_pdf": 0.05,
        "landing_page": 0.01,
        "missing_field": 0.05,
    }

    def __post_init__(self) -> None:
        """Read True as "on at the default share" and False as off."""
        for name in self.NAMES:
            value = getattr(self, name)
            if isinstance(value, bool):
                setattr(self, name, self.DEFAULT_SHARES[name] if value else 0.0)

    @classmethod
    def from_names(cls, names: str | Iterable[str], **options: Any) -> Faults:
        """Switch on the named faults (comma-separated or a list) at their default shares."""
        if isinstance(names, str):
            names = [n for n in re.split(r"[,\s]+", names) if n]
        if "all" in names:
            names = cls.NAMES
        unknown = sorted(set(names) - set(cls.NAMES))
        if unknown:
            raise ValueError(f"unknown replay faults: {', '.join(unknown)}")
        shares = {n: cls.DEFAULT_SHARES[n] for n in names}
        return cls(**shares, **options)

    @classmethod
    def all(cls, **options: Any) -> Faults:
        """Switch on every fault at its default share."""
        return cls.from_names(cls.NAMES, **options)

    def enabled(self) -> list[str]:
        """Return the names of the faults that are switched on."""
        return [n for n in self.NAMES if getattr(self, n) > 0]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(slots=True)
class SiteConfig:
    """How to turn rows into a site; every choice is deterministic for `seed`."""

    seed: int = 0
    legacy_share: float = 0.2
    page_size: int = 10
    faults: Faults = field(default_factory=Faults)
    legacy_before: str = "2022-11-01"  # date added before this may go to the older generation
    block_button_from: str = "2025-08-01"  # PDF button markup changed on this date added
    pasted_text_from: str = "2023-01-01"  # report text pasted into pages dated from here
    table_share: float = 0.3  # share of pasted reports laid out as a table
    variant_share: float = 0.35  # share of pages with unusual labels, dates and link order
    eager_files: bool = False  # write every document at build time instead of on request
    workers: int = 2

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteConfig:
        kwargs = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        kwargs["faults"] = Faults.from_dict(data.get("faults", {}))
        return cls(**kwargs)


@dataclass(slots=True)
class DocSpec:
    """One document linked from a report page, and how to render its file."""

    url: str  # root-relative: /wp-content/uploads/YYYY/MM/<file_name>
    kind: str  # report | response | other
    file_name: str
    report_id: str
    organisation: str = ""  # letterhead of a response
    org_in_name: str = ""  # organisation as the file name gives it ("" when absent)
    link_text: str = ""
    date_added: str = ""
    source_url: str = ""
    fmt: str = "pdf"  # pdf | docx
    scanned: bool = False
    truncate_at: float = 0.0  # share of bytes kept; 0 = whole file
    faults: list[str] = field(default_factory=list)
    revision: int = 0

    @property
    def content_type(self) -> str:
        if self.fmt == "docx":
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/pdf"


@dataclass(slots=True)
class ReportSpec:
    """One report: the truth a crawler should recover, plus the page's rendering choices."""

    id: str  # final URL slug
    url: str  # root-relative page path
    generation: str  # current | legacy
    title: str
    ref_raw: str
    ref: str | None
    date_of_report_raw: str  # as printed on the page
    date_of_report: str | None  # ISO, None when the page's date cannot be read
    date_in_pdf: str  # ISO date printed in the PDF (estimated when the page has none)
    date_added: str
    deceased_name: str
    coroner_name: str
    coroner_area: str
    categories: list[str]
    recipients_raw: str
    recipients_pdf: list[str]
    documents: list[DocSpec]
    pdf_button: str | None  # url of the report PDF behind the page's button
    button_style: str  # govuk-button | wp-block-file | none
    pasted: str  # "" | text | table
    labels: dict[str, str]
    label_strong: bool = False
    omitted: list[str] = field(default_factory=list)
    one_paragraph: bool = False  # legacy page with every label in one <p>
    template: dict[str, bool] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    source_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (faster than dataclasses.asdict for thousands of reports)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["documents"] = [
            {f.name: getattr(d, f.name) for f in fields(d)} for d in self.documents
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportSpec:
        docs = [DocSpec(**d) for d in data["documents"]]
        return cls(**{**data, "documents": docs})


@dataclass(slots=True)
class LandingSpec:
    """A category landing page that the listing shows among the report cards."""

    url: str
    title: str
    date_added: str
    category: str
    source: str = "fault"  # fault | csv


@dataclass(slots=True)
class Site:
    """A built replay: where it lives, its config, and the truth of every report."""

    root: Path
    config: SiteConfig
    reports: list[ReportSpec]
    landings: list[LandingSpec]
    fault_urls: dict[str, list[str]]
    page_count: int = 0
    files_written: int = 0
    build_seconds: float = 0.0

    @property
    def expected(self) -> list[ReportSpec]:
        """Return the truth a crawler should recover, one entry per report."""
        return self.reports

    def by_id(self) -> dict[str, ReportSpec]:
        return {r.id: r for r in self.reports}

    @property
    def file_count(self) -> int:
        return len({d.url for r in self.reports for d in r.documents})


def parse_iso(text: str) -> date:
    """Parse an ISO date string."""
    return date.fromisoformat(text[:10])
