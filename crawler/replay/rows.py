"""Read report rows (the columns of pfd_reports.csv) and the facts hidden in their raw text."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

COLUMNS = (
    "date_of_report",
    "ref",
    "deceased_name",
    "coroner_name",
    "coroner_area",
    "category",
    "this_report_is_being_sent_to",
    "report_url",
    "pdf_url",
    "reply_urls",
    "circumstances",
    "concerns",
    "inquest",
    "action",
    "response",
    "legal",
)
SECTION_COLUMNS = ("legal", "inquest", "circumstances", "concerns", "action", "response")
MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
MONTHS = {m: i + 1 for i, m in enumerate(MONTH_NAMES.split())}
REF_RE = re.compile(r"(\d{4})\d*\s*[-\u2013\u2014]\s*(\d{1,5})\s*([A-Za-z])?(?![A-Za-z])")


def load_reports_csv(path: Path | str) -> list[dict[str, str]]:
    """Read a CSV with the columns of pfd_reports.csv; missing columns become empty strings."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [{c: (row.get(c) or "") for c in COLUMNS} for row in csv.DictReader(handle)]


def normalise_ref(raw: str) -> str | None:
    """Return YYYY-NNNN (plus a suffix letter) from a printed ref, or None when there is none.

    `2016 – 0396` -> 2016-0396, `2016-026` -> 2016-0026, `20199-0001` -> 2019-0001.
    """
    match = REF_RE.search(raw or "")
    if not match:
        return None
    year, number, suffix = match.groups()
    return f"{year}-{int(number):04d}{(suffix or '').upper()}"


def clean_spaces(text: str) -> str:
    """Collapse NBSPs and runs of whitespace to single spaces."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def parse_date_text(raw: str, year_hint: int | None = None) -> date | None:
    """Read a day-first date in any of the site's formats; None when it holds no full date."""
    text = clean_spaces(raw).lower()
    text = re.sub(r"\s*/\s*", "/", text)
    m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b", text)
    if m:
        day, month, year = (int(g) for g in m.groups())
        year = year + 2000 if year < 100 else year
        return _safe_date(year, month, day)
    m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s*(?:of\s+)?([a-z]+)\s*,?\s*(\d{4})?", text)
    while m:
        month = MONTHS.get(m.group(2)) or MONTHS.get(_month_prefix(m.group(2)))
        if month:
            year = int(m.group(3)) if m.group(3) else year_hint
            return _safe_date(year, month, int(m.group(1))) if year else None
        m = re.search(
            r"\b(\d{1,2})(?:st|nd|rd|th)?\s*(?:of\s+)?([a-z]+)\s*,?\s*(\d{4})?", text[m.end() :]
        )
    return None


def _month_prefix(word: str) -> str:
    for name in MONTHS:
        if len(word) >= 3 and name.startswith(word):
            return name
    return ""


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def split_categories(raw: str) -> list[str]:
    """Split the category field on `|`; the site's tag texts are kept as written."""
    return [c.strip() for c in raw.split("|") if c.strip()]


def split_reply_urls(raw: str) -> list[str]:
    """Split reply_urls (separated by ` | `) into URLs."""
    return [u.strip() for u in re.split(r"\s\|\s|\n", raw) if u.strip()]


def url_path(url: str) -> str:
    """Return the decoded path of a URL."""
    return unquote(urlsplit(url).path)


def upload_month(url: str) -> tuple[int, int] | None:
    """Return (year, month) of a /wp-content/uploads/YYYY/MM/ URL."""
    m = re.search(r"/uploads/(\d{4})/(\d{2})/", url)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(1)), int(m.group(2))


def safe_file_name(name: str) -> str:
    """Keep a file name to letters, digits, dots, hyphens and underscores."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", unquote(name)).strip("-")
    return stem or "document.pdf"


def split_recipients_for_pdf(raw: str) -> list[str]:
    """Split recipient text on unambiguous separators only (`;`, `|`, newlines, numbering).

    Commas and ` and ` stay: "Tees, Esk and Wear Valleys" and "Derby and Burton" must not split.
    """
    text = re.sub(r"(?:^|\s)\(?\d{1,2}[.)]\s+", "\n", raw)
    parts = re.split(r"[;|\n]+", text)
    return [clean_spaces(p).strip(" ,.") for p in parts if clean_spaces(p).strip(" ,.")]


SUMMARY_LABELS = {
    "ref": r"ref",
    "deceased_name": r"deceased(?:[\u2019']?s)? name|name of deceased",
    "coroner_name": r"coroners?(?:[\u2019']s)? name|name of coroner",
    "coroner_area": r"coroners?(?:[\u2019']s)?:? area",
    "category": r"category",
}


def parse_pasted_summary(raw: str) -> dict[str, str]:
    """Read `Label: value` pairs from a whole summary block pasted into one field."""
    found: dict[str, str] = {}
    names = "|".join(f"(?P<{k}>{v})" for k, v in SUMMARY_LABELS.items())
    marks = list(re.finditer(rf"(?i)\b(?:{names})\s*:", raw))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(raw)
        found[mark.lastgroup or ""] = clean_spaces(raw[mark.end() : end])
    return found
