"""The live site a server answers from: what is visible now, and every page or file by path."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

from crawler.replay.documents import upload_url
from crawler.replay.html import (
    render_home,
    render_landing,
    render_legacy,
    render_not_found,
    render_report,
)
from crawler.replay.listing import (
    Card,
    page_count,
    parse_search,
    render_listing,
    render_search,
    sort_cards,
)
from crawler.replay.model import (
    CURRENT_LISTING,
    LEGACY_LISTING,
    MANIFEST,
    WWW,
    DocSpec,
    LandingSpec,
    ReportSpec,
    SiteConfig,
    parse_iso,
    rng_for,
)
from crawler.replay.names import response_file_name
from crawler.replay.pdfs import render_document

HTML = "text/html; charset=UTF-8"
ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
PAGE_RE = re.compile(r"^(?P<base>.*/)page/(?P<n>\d+)/$")


@dataclass(slots=True)
class Resource:
    """What the server sends for a path: body, type, dates; or a redirect."""

    body: bytes
    content_type: str
    last_modified: datetime
    status: int = 200
    location: str = ""

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def stamp(day: str | date, extra_days: int = 0) -> datetime:
    """Return 09:00 UTC on a date (plus some days), the time the replay says things changed."""
    when = parse_iso(day) if isinstance(day, str) else day
    when = when + timedelta(days=extra_days)
    return datetime(when.year, when.month, when.day, 9, 0, tzinfo=UTC)


def load_manifest(root: Path) -> dict:
    """Read a built replay's manifest.json."""
    return json.loads((Path(root) / MANIFEST).read_text(encoding="utf-8"))


class SiteState:
    """A replay's reports and documents as currently published, with ways to change them."""

    def __init__(self, root: Path, manifest: dict) -> None:
        self.root = Path(root)
        self.config = SiteConfig.from_dict(manifest["config"])
        self.reports = [ReportSpec.from_dict(r) for r in manifest["reports"]]
        self.landings = [LandingSpec(**x) for x in manifest["landing_pages"]]
        self.fault_urls: dict[str, list[str]] = manifest.get("fault_urls", {})
        self.removed: set[str] = set()
        self.as_of: date | None = None
        self.lock = threading.RLock()
        self.version = 0
        self.touched: datetime | None = None
        self.cache: dict[tuple[str, str], Resource | None] = {}
        self.card_cache: dict[tuple[str, str], list[Card]] = {}
        self.reindex()

    @classmethod
    def load(cls, root: Path) -> SiteState:
        return cls(root, load_manifest(root))

    def reindex(self) -> None:
        """Rebuild the path indexes after a change."""
        self.pages = {r.url: r for r in self.reports}
        self.landing_by_url = {x.url: x for x in self.landings}
        self.files: dict[str, tuple[ReportSpec, DocSpec]] = {}
        for report in self.reports:
            for doc in report.documents:
                self.files.setdefault(doc.url, (report, doc))
        self.cache.clear()
        self.version += 1

    def shown(self, day: str) -> bool:
        """Tell whether something added on `day` is published by the current clock."""
        return self.as_of is None or parse_iso(day) <= self.as_of

    def visible(self, report: ReportSpec) -> bool:
        return report.id not in self.removed and self.shown(report.date_added)

    def visible_docs(self, report: ReportSpec) -> list[DocSpec]:
        return [d for d in report.documents if self.shown(d.date_added)]

    def cards(self, generation: str) -> list[Card]:
        """Return the visible entries of one generation's listing, newest first (cached)."""
        key = (f"cards:{generation}", str(self.version))
        with self.lock:
            if key not in self.card_cache:
                if len(self.card_cache) > 4:
                    self.card_cache.clear()
                self.card_cache[key] = self.make_cards(generation)
            return self.card_cache[key]

    def make_cards(self, generation: str) -> list[Card]:
        cards = [
            Card(r.url, r.title, r.date_added, r.categories, r.id)
            for r in self.reports
            if r.generation == generation and self.visible(r)
        ]
        if generation == "current":
            cards += [
                Card(x.url, x.title, x.date_added, [x.category] if x.category else [], x.url)
                for x in self.landings
                if self.shown(x.date_added)
            ]
        return sort_cards(cards)

    def newest(self, cards: list[Card]) -> datetime:
        """Return when a listing last changed: its newest entry, or the site's last edit."""
        days = [c.date_added for c in cards] or [r.date_added for r in self.reports]
        newest = stamp(max(days or ["2020-01-01"]))
        return max(newest, self.touched) if self.touched else newest

    def touch(self) -> None:
        """Note an edit (removal, new or changed document) as later than anything published."""
        days = [r.date_added for r in self.reports] + [d.date_added for _, d in self.files.values()]
        self.touched = stamp(max(days), extra_days=self.version)

    def resolve(self, path: str, query: str) -> Resource | None:
        """Return the resource at a path (with its query), or None for a 404."""
        key = (path, query)
        with self.lock:
            if key in self.cache:
                return self.cache[key]
        found = self.route(path, query)
        if found is not None and found.content_type == HTML:
            with self.lock:
                if len(self.cache) > 20000:
                    self.cache.clear()
                self.cache[key] = found
        return found

    def route(self, path: str, query: str) -> Resource | None:
        """Find what a path names: search, listings, pages, files, robots.txt."""
        params = parse_qs(query, keep_blank_values=True)
        match = PAGE_RE.match(path)
        if "s" in params and (path == "/" or (match and match["base"] == "/")):
            return self.search(params, int(match["n"]) if match else 1, query)
        if path == "/robots.txt":
            return Resource(ROBOTS.encode(), "text/plain; charset=UTF-8", self.newest([]))
        if path == "/":
            return Resource(render_home().encode(), HTML, self.newest([]))
        base, number = (match["base"], int(match["n"])) if match else (path, 1)
        if base in (CURRENT_LISTING, LEGACY_LISTING):
            return self.listing(base, number)
        return self.page(path) or self.file(path) or self.slashless(path)

    def search(self, params: dict, page: int, query: str) -> Resource:
        cards = self.cards("current")
        body = render_search(cards, parse_search(params), page, self.config.page_size, query)
        return Resource(body.encode(), HTML, self.newest(cards))

    def listing(self, base: str, page: int) -> Resource | None:
        legacy = base == LEGACY_LISTING
        cards = self.cards("legacy" if legacy else "current")
        body = render_listing(cards, page, self.config.page_size, base, legacy)
        return None if body is None else Resource(body.encode(), HTML, self.newest(cards))

    def page(self, path: str) -> Resource | None:
        """Render a report or landing page that is published now."""
        report = self.pages.get(path)
        if report is not None and self.visible(report):
            docs = self.visible_docs(report)
            days = [stamp(report.date_added)] + [stamp(d.date_added) for d in docs]
            if report.generation == "legacy":
                body = render_legacy(report, docs)
            else:
                body = render_report(report, docs, self.config.seed)
            return Resource(body.encode(), HTML, max(days))
        landing = self.landing_by_url.get(path)
        if landing is not None and self.shown(landing.date_added):
            return Resource(render_landing(landing).encode(), HTML, stamp(landing.date_added))
        return None

    def file(self, path: str) -> Resource | None:
        """Return a document, rendering it on first request and keeping it on disk."""
        owner = self.files.get(path)
        if owner is None or not self.shown(owner[1].date_added):
            return None
        report, doc = owner
        return Resource(
            self.file_bytes(report, doc), doc.content_type, stamp(doc.date_added, doc.revision)
        )

    def file_bytes(self, report: ReportSpec, doc: DocSpec) -> bytes:
        target = self.root / WWW / doc.url.lstrip("/")
        marker = target.with_name(target.name + f".rev{doc.revision}") if doc.revision else target
        if marker.exists():
            return marker.read_bytes()
        data = render_document(doc, report, self.config.seed)
        write_atomic(marker, data)
        return data

    def slashless(self, path: str) -> Resource | None:
        """Redirect `/x` to `/x/` when that is a page, as WordPress does."""
        if (
            path.endswith("/")
            or path + "/" not in self.pages
            and path + "/" not in self.landing_by_url
        ):
            return None
        return Resource(b"", HTML, self.newest([]), status=301, location=path + "/")

    def page_paths(self) -> list[str]:
        """Return every listing, report and landing page path published now."""
        paths = [r.url for r in self.reports if self.visible(r)]
        paths += [x.url for x in self.landings if self.shown(x.date_added)]
        size = self.config.page_size
        for base, generation in ((CURRENT_LISTING, "current"), (LEGACY_LISTING, "legacy")):
            last = page_count(len(self.cards(generation)), size)
            paths += [base] + [f"{base}page/{n}/" for n in range(2, last + 1)]
        return paths

    def not_found(self) -> bytes:
        return render_not_found().encode()

    def set_removed(self, report_ids: list[str] | set[str]) -> None:
        """Take these reports off the site (their pages 404, the listings drop them)."""
        with self.lock:
            known = {r.id for r in self.reports}
            unknown = set(report_ids) - known
            if unknown:
                raise KeyError(f"unknown report ids: {sorted(unknown)}")
            self.removed = set(report_ids)
            self.reindex()
            self.touch()

    def set_as_of(self, day: date | str | None) -> None:
        """Publish only what was added on or before `day` (None: everything)."""
        with self.lock:
            self.as_of = parse_iso(day) if isinstance(day, str) else day
            self.reindex()

    def replace_document(self, url: str) -> DocSpec:
        """Change a document's content in place: same URL, new bytes, later Last-Modified."""
        with self.lock:
            report, doc = self.files[url]
            doc.revision += 1
            self.reindex()
            self.touch()
            return doc

    def add_response(self, report_id: str, organisation: str, day: date | str) -> DocSpec:
        """Publish a new response on a report page, named `<ref>-Response-from-<Org>.pdf`."""
        with self.lock:
            report = next(r for r in self.reports if r.id == report_id)
            added = parse_iso(day) if isinstance(day, str) else day
            rng = rng_for(self.config.seed, report_id, organisation, "added")
            name = response_file_name(report.ref or "", organisation, rng)
            doc = DocSpec(
                url=upload_url(name, (added.year, added.month)),
                kind="response",
                file_name=name,
                report_id=report_id,
                organisation=organisation,
                org_in_name=organisation,
                link_text=name.removesuffix(".pdf").replace("-", " "),
                date_added=added.isoformat(),
            )
            report.documents.append(doc)
            self.reindex()
            self.touch()
            return doc


def write_atomic(target: Path, data: bytes) -> None:
    """Write a file through a temporary name so readers never see half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
