"""Choose which reports, documents and URLs each fault touches, and track serving faults."""

from __future__ import annotations

import threading
from collections import Counter

from crawler.replay.html import metadata_values
from crawler.replay.model import Faults, ReportSpec, pick_subset, rng_for

MISSABLE = ("ref", "recipients", "coroner_area", "coroner_name", "date_of_report")


def apply_content_faults(specs: list[ReportSpec], faults: Faults, seed: int) -> dict[str, list]:
    """Mark missing fields, truncated and scanned documents; return the URLs each touched."""
    touched: dict[str, list] = {"missing_field": [], "truncated_pdf": [], "scanned_pdf": []}
    by_id = {s.id: s for s in specs}
    for report_id in pick_subset(sorted(by_id), faults.missing_field, seed, "missing"):
        spec = by_id[report_id]
        present = [f for f in MISSABLE if field_value(spec, f) and f not in spec.omitted] or ["ref"]
        field = rng_for(seed, report_id, "missing").choice(present)
        spec.omitted.append(field)
        spec.faults.append(f"missing_field:{field}")
        touched["missing_field"].append(spec.url)
    docs = {d.url: (s, d) for s in specs for d in s.documents if d.fmt == "pdf"}
    truncated = pick_subset(sorted(docs), faults.truncated_pdf, seed, "truncated")
    for url in truncated:
        spec, doc = docs[url]
        doc.truncate_at = round(rng_for(seed, url, "cut").uniform(0.3, 0.7), 3)
        mark(spec, doc, "truncated_pdf")
        touched["truncated_pdf"].append(url)
    reports = sorted(u for u, (_, d) in docs.items() if d.kind == "report" and u not in truncated)
    for url in pick_subset(reports, faults.scanned_pdf, seed, "scanned"):
        spec, doc = docs[url]
        doc.scanned = True
        mark(spec, doc, "scanned_pdf")
        touched["scanned_pdf"].append(url)
    return touched


def field_value(spec: ReportSpec, field: str) -> str:
    """Return the value a metadata line would print for a field."""
    return metadata_values(spec).get(field, "")


def mark(spec: ReportSpec, doc, name: str) -> None:
    """Record a fault on a document and on its report."""
    doc.faults.append(name)
    spec.faults.append(f"{name}:{doc.url}")


def serving_fault_urls(paths: list[str], faults: Faults, seed: int) -> dict[str, list[str]]:
    """Choose the URLs that answer 500 first, and those that answer slowly."""
    return {
        "http_500_first": pick_subset(paths, faults.http_500_first, seed, "http_500_first"),
        "slow": pick_subset(paths, faults.slow, seed, "slow"),
    }


def mark_serving_faults(specs: list[ReportSpec], urls: dict[str, list[str]]) -> None:
    """Record on each report and document the serving faults its URLs will meet."""
    for name in ("http_500_first", "slow"):
        chosen = set(urls.get(name, []))
        for spec in specs:
            if spec.url in chosen:
                spec.faults.append(f"{name}:{spec.url}")
            for doc in spec.documents:
                if doc.url in chosen:
                    mark(spec, doc, name)


class FaultState:
    """Serving faults for one server: which paths fail or stall, and how often they have."""

    def __init__(self, faults: Faults, urls: dict[str, list[str]]) -> None:
        self.faults = faults
        self.fail = set(urls.get("http_500_first", []))
        self.slow = set(urls.get("slow", []))
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def on_request(self, path: str) -> tuple[bool, float]:
        """Count a request; return (answer 500?, seconds to stall)."""
        with self.lock:
            self.seen[path] += 1
            count = self.seen[path]
        fail = path in self.fail and count <= self.faults.http_500_times
        times = self.faults.slow_times
        stall = path in self.slow and (times == 0 or count <= times)
        return fail, self.faults.slow_seconds if stall else 0.0
