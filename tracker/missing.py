"""Missing reports: gaps in each year's ref sequence, removed reports, broken document links.

The Chief Coroner's office numbers reports YYYY-NNNN in sequence within each year, so a number
absent from 1..max points at a report that was never published, or was taken down, or whose
ref was mistyped. `ref_gaps` tells these apart: never_seen (no report ever carried it), removed
(only reports since removed from the site carried it) and malformed_only (only a broken ref such
as "2016-026" or "20199-0001" seems to point at it). Removed reports and broken links are views
(`removed_reports`, `broken_documents`) over what the crawl records.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from tracker.normalise import parse_ref

log = logging.getLogger(__name__)

OUTLIER_JUMP = 200  # a top number this far above the next is a typo, not 200 missing reports


@dataclass(slots=True)
class YearRefs:
    """What was seen of one year's ref sequence."""

    live: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    removed: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    malformed: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    live_refs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    variant: int = 0
    malformed_count: int = 0


@dataclass(slots=True)
class Gap:
    """One number absent from a year's sequence, and the best explanation of why."""

    year: int
    number: int
    cause: str  # never_seen | removed | malformed_only
    report_ids: list[str]
    raw_refs: list[str]


def collect_refs(rows: list[dict[str, Any]]) -> dict[int, YearRefs]:
    """Sort every report's ref (as written) into live, removed and malformed sightings."""
    years: dict[int, YearRefs] = defaultdict(YearRefs)
    for row in rows:
        parsed = parse_ref(row["ref_raw"] or row["ref"])
        if parsed.year is None or parsed.number is None:
            continue
        seen = years[parsed.year]
        if parsed.ref is None:
            seen.malformed[parsed.number].append((row["id"], parsed.raw))
            seen.malformed_count += 1
        elif row["removed_at"]:
            seen.removed[parsed.number].append(row["id"])
        else:
            seen.live[parsed.number].append(row["id"])
            seen.live_refs[parsed.ref] += 1
            seen.variant += parsed.quality == "variant"
    return years


def sequence_end(numbers: set[int]) -> tuple[int, list[int]]:
    """Return the last number of the sequence and the outliers (typos) dropped above it."""
    ordered = sorted(numbers)
    outliers: list[int] = []
    while len(ordered) > 1 and ordered[-1] - ordered[-2] > OUTLIER_JUMP:
        outliers.append(ordered.pop())
    return (ordered[-1] if ordered else 0), sorted(outliers)


def find_gaps(year: int, seen: YearRefs, end: int) -> list[Gap]:
    """Return the numbers 1..end no live report holds, each with its cause."""
    gaps = []
    for number in range(1, end + 1):
        if number in seen.live:
            continue
        if number in seen.removed:
            gaps.append(Gap(year, number, "removed", sorted(seen.removed[number]), []))
        elif number in seen.malformed:
            pairs = seen.malformed[number]
            gaps.append(
                Gap(
                    year,
                    number,
                    "malformed_only",
                    sorted(p[0] for p in pairs),
                    sorted({p[1] for p in pairs}),
                )
            )
        else:
            gaps.append(Gap(year, number, "never_seen", [], []))
    return gaps


def year_summary(
    year: int, seen: YearRefs, end: int, outliers: list[int], gaps: list[Gap]
) -> dict[str, Any]:
    """Return the ref_gap_years row of one year."""
    causes = defaultdict(int)
    for gap in gaps:
        causes[gap.cause] += 1
    return {
        "year": year,
        "max_number": end,
        "present": sum(1 for n in seen.live if n <= end),
        "gaps": len(gaps),
        "never_seen": causes["never_seen"],
        "removed": causes["removed"],
        "malformed_only": causes["malformed_only"],
        "variant_refs": seen.variant,
        "malformed_refs": seen.malformed_count,
        "shared_refs": sum(1 for n in seen.live_refs.values() if n > 1),
        "outlier_refs": json.dumps(outliers),
    }


def rebuild_ref_gaps(db: sqlite_utils.Database) -> dict[str, int]:
    """Recompute ref_gaps and ref_gap_years from every report ever seen."""
    rows = list(db.query("SELECT id, ref, ref_raw, removed_at FROM reports"))
    gap_rows: list[dict[str, Any]] = []
    year_rows: list[dict[str, Any]] = []
    for year, seen in sorted(collect_refs(rows).items()):
        end, outliers = sequence_end(set(seen.live) | set(seen.removed))
        gaps = find_gaps(year, seen, end)
        year_rows.append(year_summary(year, seen, end, outliers, gaps))
        gap_rows.extend(
            {
                "year": g.year,
                "number": g.number,
                "ref": f"{g.year}-{g.number:04d}",
                "cause": g.cause,
                "report_ids": json.dumps(g.report_ids),
                "raw_refs": json.dumps(g.raw_refs, ensure_ascii=False),
            }
            for g in gaps
        )
    with db.conn:
        db.execute("DELETE FROM ref_gaps")
        db.execute("DELETE FROM ref_gap_years")
        db["ref_gaps"].insert_all(gap_rows, batch_size=1000)
        db["ref_gap_years"].insert_all(year_rows)
    figures = {"ref_gaps": len(gap_rows)}
    for cause in ("never_seen", "removed", "malformed_only"):
        figures[f"ref_gaps_{cause}"] = sum(r["cause"] == cause for r in gap_rows)
    return figures


def missing_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Return how many reports were removed and how many documents are broken links."""
    return {
        "removed_reports": db["removed_reports"].count,
        "broken_documents": db["broken_documents"].count,
        "reports_with_broken_documents": db["reports_with_broken_documents"].count,
    }
