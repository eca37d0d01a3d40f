"""The benchmark samples hold keys into ../shared/data and our own labels, never its text."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pytest

from tests.conftest import shared_data_file

SAMPLES = Path(__file__).resolve().parents[1] / "bench" / "samples"
KEY = re.compile(r"^[0-9a-f]{12}$")
SPAN = re.compile(r"^\d+:\d+$")
ALLOWED = {
    "sample",
    "report",
    "source",
    "span",
    "reply",
    "expected",
    "org_type",
    "nhs_trust_subtype",
    "label",
    "note",
}


def sample_keys():
    spec = importlib.util.spec_from_file_location("sample_keys", SAMPLES.parent / "sample_keys.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.csv")), ids=lambda p: p.name)
def test_samples_are_keys_and_labels_only(path):
    found = rows(path)
    assert found and set(found[0]) <= ALLOWED, set(found[0]) - ALLOWED
    for row in found:
        assert KEY.match(row["report"]), row
        if "span" in row:
            assert SPAN.match(row["span"]), row
        if "expected" in row:
            cell = row["expected"]
            assert cell in ("?", "-") or all(SPAN.match(s) for s in cell.split()), row
        if "reply" in row:
            assert row["reply"].isdigit(), row


def test_report_key_hashes_the_slug_whatever_the_url_prefix():
    keys = sample_keys()
    old = keys.report_key("https://www.judiciary.uk/publications/ann-example/")
    new = keys.report_key("https://www.judiciary.uk/prevention-of-future-death-reports/Ann-Example")
    assert old == new == keys.report_key("ann-example") and KEY.match(old)
    assert keys.cut("abcdef", "1:4") == "bcd"


def test_every_key_resolves_in_the_shared_data():
    shared_data_file("pfd_reports.csv")
    shared_data_file("pfd_reports_status_2025.csv")
    keys = sample_keys()
    for name in sorted(p.name for p in SAMPLES.glob("recipient_types*.csv")):
        assert all(r["recipient"].strip() for r in keys.load_types(name)), name
    assert all(r["expected"] for r in keys.load_splits())
    for name in sorted(p.name for p in SAMPLES.glob("response_matches*.csv")):
        assert all(r["reply_url"].startswith("http") for r in keys.load_responses(name)), name


def reports_in(*patterns: str) -> set[str]:
    return {r["report"] for p in patterns for path in SAMPLES.glob(p) for r in rows(path)}


@pytest.mark.parametrize(
    ("blind", "earlier"),
    [
        ("*_blind2.csv", ("*[!2].csv",)),
        ("*_blind3.csv", ("*[!3].csv",)),
    ],
)
def test_a_blind_sample_shares_no_report_with_the_samples_before_it(blind, earlier):
    new = reports_in(blind)
    assert new and not new & reports_in(*earlier)
