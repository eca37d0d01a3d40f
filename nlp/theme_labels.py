"""Gold labels for themes: the PFD-toolkit's labelled files mapped onto our taxonomy.

The files are optional (they live outside the repo); the mapping is data, in
nlp/data/theme_seeds_labelled.yml. Labels are per report; a theme a file does not cover stays
unlabelled for its rows.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlp.taxonomy import DATA_DIR

log = logging.getLogger(__name__)

LABEL_MAP_FILE = DATA_DIR / "theme_seeds_labelled.yml"
TRUE_VALUES = {"true", "yes", "1", "y"}
FALSE_VALUES = {"false", "no", "0", "n"}


@dataclass(slots=True)
class LabelledReport:
    """One report's concerns, circumstances, investigation and the theme labels the files give it.

    The investigation section is kept for the deceased's age, which it usually states.
    """

    key: str
    concerns: str
    circumstances: str
    labels: dict[str, bool] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    investigation: str = ""


def url_key(url: str) -> str:
    """Return the final slug of a report URL, the join key across sources."""
    return url.rstrip("/").rsplit("/", 1)[-1].lower()


def parse_bool(value: str | None) -> bool | None:
    """Read True/False/Yes/No cells; anything else is unknown."""
    text = (value or "").strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    return None


def parse_age(value: str | None) -> float | None:
    """Read a single age; lists of ages and NA are unknown."""
    try:
        return float((value or "").strip())
    except ValueError:
        return None


def apply_rule(rule: dict, row: dict[str, str]) -> bool | None:
    """Return the gold label one mapping rule gives a row, or None when it gives none."""
    if "frame" in rule:
        return bool(rule["frame"])
    if "any" in rule:
        values = [parse_bool(row.get(col)) for col in rule["any"]]
        if any(v is True for v in values):
            return True
        return False if values and all(v is False for v in values) else None
    if rule.get("true_if") and parse_bool(row.get(rule["true_if"])) is True:
        return True
    if "majority" in rule:
        values = [parse_bool(row.get(col)) for col in rule["majority"]]
        known = [v for v in values if v is not None]
        return sum(known) * 2 > len(known) if known else None
    if "age_under" in rule:
        age = parse_age(row.get("age"))
        if age is None:
            return None
        if age < rule["age_under"]:
            return True
        return False if age >= rule.get("adult_from", rule["age_under"]) else None
    raise ValueError(f"unknown label rule: {rule}")


def labels_for_row(spec: dict, row: dict[str, str]) -> dict[str, bool]:
    """Return the gold labels a file's mapping gives one of its rows."""
    gate = spec.get("only_if")
    if gate and parse_bool(row.get(gate)) is not True:
        return {}
    labels = {}
    for theme_id, rule in spec["themes"].items():
        value = apply_rule(rule, row)
        if value is not None:
            labels[theme_id] = value
    return labels


def merge_report(
    found: dict[str, LabelledReport], name: str, row: dict[str, str], labels: dict[str, bool]
) -> None:
    """Add one row's labels to the report it belongs to (a positive anywhere wins)."""
    key = url_key(row.get("url") or row.get("URL") or "")
    concerns = (row.get("concerns") or "").strip()
    circumstances = (row.get("circumstances") or "").strip()
    investigation = (row.get("investigation") or "").strip()
    if not key or not (concerns or circumstances):
        return
    report = found.setdefault(key, LabelledReport(key, concerns, circumstances))
    if len(concerns) > len(report.concerns):
        report.concerns = concerns
    if len(circumstances) > len(report.circumstances):
        report.circumstances = circumstances
    if len(investigation) > len(report.investigation):
        report.investigation = investigation
    for theme_id, value in labels.items():
        report.labels[theme_id] = report.labels.get(theme_id, False) or value
    if name not in report.sources:
        report.sources.append(name)


def load_labelled(data_dir: Path | None, map_file: Path = LABEL_MAP_FILE) -> list[LabelledReport]:
    """Read every mapped labelled file found in data_dir; missing files are skipped."""
    if data_dir is None or not Path(data_dir).is_dir():
        return []
    spec_all = yaml.safe_load(map_file.read_text(encoding="utf-8"))
    found: dict[str, LabelledReport] = {}
    for spec in spec_all["files"]:
        path = Path(data_dir) / spec["name"]
        if not path.exists():
            log.info("labelled file %s not found; skipped", spec["name"])
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                merge_report(found, spec["name"], row, labels_for_row(spec, row))
    return [found[k] for k in sorted(found)]
