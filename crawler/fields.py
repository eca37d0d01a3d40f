"""Pure normalisers for the fields a report page prints: text, refs, dates and labels.

Everything here is a string-in, value-out function with no I/O, so the site's quirks are
documented (and tested) in one place. The selectors that find these strings live in parse.py.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february", "febuary"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def clean_text(value: str | None) -> str:
    """Return text with NBSPs and odd spaces made plain, runs collapsed, lines trimmed."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value).replace("\u200b", "")
    lines = [SPACE_RE.sub(" ", line).strip() for line in value.splitlines()]
    return "\n".join(line for line in lines if line)


def one_line(value: str | None) -> str:
    """Return text collapsed onto one line."""
    return " ".join(clean_text(value).split())


def fold(value: str | None) -> str:
    """Return a comparison key: lower case, dashes and quotes unified, spaces collapsed."""
    text = one_line(value).casefold()
    text = text.translate({ord(c): "-" for c in DASHES}).replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def label_key(value: str) -> str:
    """Return a label's skeleton: letters and digits only, words split by single spaces.

    Apostrophes vanish rather than split words, so "Coroner's Area", "Coroners: Area" and
    "CORONERS AREA" all give "coroners area".
    """
    text = unicodedata.normalize("NFKD", value).casefold()
    text = re.sub(r"['\u2018\u2019`]", "", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


# --- refs ----------------------------------------------------------------------------------

REF_RE = re.compile(
    r"(?<!\d)(\d{4,5})\s*[-_/\s" + DASHES + r"]\s*(\d{1,5})(?!\d)(?:\s*([A-Za-z])(?![A-Za-z]))?"
)


def normalise_ref(raw: str | None) -> str | None:
    """Return a ref as YYYY-NNNN (keeping a letter suffix), or None when there is none.

    Handles "2016 – 0396" (spaces, en dash), "2019-0135A" (suffix kept), "2016-026" (padded)
    and "20199-0001" / "20140-0147" (a doubled digit in the year).
    """
    match = REF_RE.search(one_line(raw))
    if not match:
        return None
    year_text, number, suffix = match.groups()
    year = int(year_text[:4])
    if not 2000 <= year <= 2099:
        return None
    if len(number) > 4:
        number = number.lstrip("0").zfill(4) if number.startswith("0") else number[:4]
    return f"{year}-{int(number):04d}{(suffix or '').upper()}"


def ref_year(ref: str | None) -> int | None:
    """Return the year part of a normalised ref."""
    return int(ref[:4]) if ref and ref[:4].isdigit() else None


# --- dates ---------------------------------------------------------------------------------

WORD_DATE_RE = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:st|nd|rd|th)?\s*(?:day\s+)?(?:of\s+)?([a-z]{3,9})\.?,?\s*(\d{4}|\d{2}(?!\d))?"
)
MONTH_FIRST_RE = re.compile(r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
NUMERIC_RE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?!\d)")
RUN_TOGETHER_RE = re.compile(r"(?<![\d/])/?(\d{2})(\d{2})/(\d{4})(?!\d)")
ISO_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def _make_date(year: int, month: int, day: int) -> str | None:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def month_number(word: str) -> int | None:
    """Return the month a word names, allowing a cut-off spelling such as "Decembe"."""
    if word in MONTHS:
        return MONTHS[word]
    if len(word) >= 4:
        hits = {n for name, n in MONTHS.items() if name.startswith(word)}
        if len(hits) == 1:
            return hits.pop()
    return None


def _word_date(text: str, fallback_year: int | None) -> str | None:
    for match in WORD_DATE_RE.finditer(text):
        day, month_name, year = match.groups()
        month = month_number(month_name)
        if month is None:
            continue
        if year is None and fallback_year is None:
            continue
        return _make_date(int(year) if year else fallback_year, month, int(day))
    match = MONTH_FIRST_RE.search(text)
    if match and month_number(match.group(1)):
        return _make_date(int(match.group(3)), month_number(match.group(1)), int(match.group(2)))
    return None


def _numeric_date(text: str) -> str | None:
    squeezed = re.sub(r"\s*([/.\-])\s*", r"\1", text)
    match = ISO_RE.search(squeezed)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = NUMERIC_RE.search(squeezed)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _make_date(year, month, day)
    match = RUN_TOGETHER_RE.search(squeezed)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _make_date(year, month, day)
    return None


def parse_report_date(raw: str | None, fallback_year: int | None = None) -> str | None:
    """Return an ISO date from the site's date field, day first always, or None.

    Accepts "21 July 2016", "21st July 2016", "15 August2016", "27/11/2023", "01/07/22",
    "08 /03/2024", "/0206/2023" (read as 02/06/2023), NBSPs anywhere, and a whole summary
    line pasted into the field (the first date wins). A date without a year ("9 August")
    takes fallback_year (e.g. the ref's year) when one is given.
    """
    text = one_line(raw).casefold()
    if not text:
        return None
    numeric_at = re.search(r"\d{1,4}\s*[/.\-]\s*\d", text)
    word_at = WORD_DATE_RE.search(text)
    if numeric_at and (not word_at or numeric_at.start() <= word_at.start()):
        return _numeric_date(text) or _word_date(text, fallback_year)
    return _word_date(text, fallback_year) or _numeric_date(text)


def parse_iso_datetime(value: str | None) -> str | None:
    """Return the ISO date part of a `datetime` attribute such as 2023-05-02T10:00:00+00:00."""
    match = ISO_RE.search(value or "")
    if not match:
        return None
    return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
