"""Read the key-only hand-checked samples in bench/samples and recover their text from ../shared.

The samples hold no text from ../shared/data: a report is named by `report_key` (the first 12
hex digits of the SHA-1 of its URL slug), a recipient by a character span "start:end" in a
named field of that report's row ("pfd_reports.csv:this_report_is_being_sent_to" or
"pfd_reports_status_2025.csv:Sent to"), and a reply by its 0-based index in the row's
`reply_urls` list. Our own labels (org_type, subtype, expected spans, notes) are kept as they
are. Expected cells: spans separated by spaces, "-" when the reply answers none of the
recipients (scored), "?" when it could not be checked (left out).
"""

from __future__ import annotations

import csv
import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SAMPLES = ROOT / "bench" / "samples"
MAIN_FILE = "pfd_reports.csv"
STATUS_FILE = "pfd_reports_status_2025.csv"
URL_COLUMN = {MAIN_FILE: "report_url", STATUS_FILE: "URL"}
RECIPIENTS = f"{MAIN_FILE}:this_report_is_being_sent_to"


def url_slug(url: str) -> str:
    """Return the final slug of a report URL (or a slug), lower-cased."""
    return url.rstrip("/").rsplit("/", 1)[-1].lower()


def report_key(url: str) -> str:
    """Return the short key that names a report in the samples."""
    return hashlib.sha1(url_slug(url).encode("utf-8")).hexdigest()[:12]


def shared_present() -> bool:
    """Tell whether the shared files the samples point into are on this machine."""
    return all((SHARED / name).exists() for name in URL_COLUMN)


def read_csv(path: Path) -> list[dict]:
    """Read a CSV file (a BOM is tolerated)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def rows_by_key(name: str) -> dict[str, dict]:
    """Return a shared file's rows by report key."""
    rows = read_csv(SHARED / name)
    return {report_key(r[URL_COLUMN[name]]): r for r in rows if r[URL_COLUMN[name]]}


def field(source: str, key: str) -> tuple[dict, str]:
    """Return the shared row of a report and the text of one of its fields ("file:column")."""
    name, column = source.split(":", 1)
    row = rows_by_key(name)[key]
    return row, row[column]


def cut(text: str, span: str) -> str:
    """Return the part of text a "start:end" span names."""
    start, end = (int(x) for x in span.split(":"))
    return text[start:end]


def slug_of(row: dict) -> str:
    """Return the slug of a shared row's report URL."""
    return url_slug(row.get("report_url") or row.get("URL") or "")


def load_types(name: str) -> list[dict]:
    """Return a typing sample as rows of sample, report_slug, recipient, org_type, subtype."""
    out = []
    for r in read_csv(SAMPLES / name):
        row, text = field(r["source"], r["report"])
        out.append(
            {
                "sample": r["sample"],
                "source": r["source"],
                "report_slug": slug_of(row),
                "recipient": cut(text, r["span"]),
                "coroner_area": row.get("coroner_area") or row.get("Coroner area") or "",
                "org_type": r["org_type"],
                "nhs_trust_subtype": r["nhs_trust_subtype"],
            }
        )
    return out


def load_splits(name: str = "recipient_splits.csv") -> list[dict]:
    """Return hand-split recipient fields as rows of sample, raw and expected (" || ")."""
    out = []
    for r in read_csv(SAMPLES / name):
        row, text = field(RECIPIENTS, r["report"])
        expected = " || ".join(cut(text, s) for s in r["expected"].split())
        out.append(
            {"sample": r["sample"], "report_slug": slug_of(row), "raw": text, "expected": expected}
        )
    return out


def gold_text(text: str, cell: str) -> str:
    """Turn an expected cell into the " || "-joined recipient texts ("?" and "-" kept apart)."""
    if cell == "?":
        return "?"
    if cell == "-":
        return ""
    return " || ".join(cut(text, s) for s in cell.split())


def load_responses(name: str) -> list[dict]:
    """Return a response sample as rows of sample, report_slug, recipients_raw, reply_url."""
    out = []
    for r in read_csv(SAMPLES / name):
        row, text = field(RECIPIENTS, r["report"])
        out.append(
            {
                "sample": r["sample"],
                "report_slug": slug_of(row),
                "recipients_raw": text,
                "coroner_area": row["coroner_area"],
                "reply_url": row["reply_urls"].split(" | ")[int(r["reply"])],
                "expected": gold_text(text, r["expected"]),
            }
        )
    return out
