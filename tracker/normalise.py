"""Pure normalisers the tracker adds to the crawler's: how clean a ref was, cell dates.

The crawler's ``crawler.fields`` already turns the site's refs and dates into canonical form
(``normalise_ref``, ``parse_report_date``) and ``crawler.documents`` classifies document links;
the importer reuses those so imported and crawled reports agree. What the tracker needs on top:
*how* clean a ref was as written (the ref-gap analysis tells a ref seen only in a broken form
from one never seen), and dates from spreadsheet cells (FOI lists).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crawler.fields import normalise_ref, parse_report_date

FIRST_REF_YEAR = 2013
LAST_REF_YEAR = 2099
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
CANONICAL_REF = re.compile(r"(\d{4})-(\d{4})([A-Z]?)")
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(slots=True, frozen=True)
class RefParse:
    """A ref as written, read: the canonical ref, how clean it was, and a guess if broken.

    quality: ok (already canonical), variant (fixed with confidence: spaces, dashes, case,
    a "Ref:" label or text around it), malformed (a short number, a typo in the year, an
    extra digit: only a guess), missing (blank).
    """

    raw: str
    ref: str | None
    quality: str
    guess: str | None = None

    @property
    def year(self) -> int | None:
        """Return the year of the ref, or of the guess when the ref is malformed."""
        value = self.ref or self.guess
        return int(value[:4]) if value else None

    @property
    def number(self) -> int | None:
        """Return the sequence number of the ref (or of the guess)."""
        value = self.ref or self.guess
        return int(value[5:9]) if value else None


def clean_text(value: object) -> str:
    """Return a string with NBSPs, dashes and runs of whitespace made plain."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.translate({ord(c): "-" for c in DASHES})
    return re.sub(r"\s+", " ", text).strip()


def _plausible(ref: str | None) -> bool:
    m = CANONICAL_REF.fullmatch(ref or "")
    return bool(m) and FIRST_REF_YEAR <= int(m[1]) <= LAST_REF_YEAR and int(m[2]) > 0


def parse_ref(raw: object) -> RefParse:
    """Read a ref as written and say how clean it was (ok | variant | malformed | missing)."""
    text = "" if raw is None else str(raw)
    cleaned = clean_text(text)
    if not cleaned:
        return RefParse(text, None, "missing")
    canonical = normalise_ref(cleaned)
    if not _plausible(canonical):
        return RefParse(text, None, "malformed")
    if text == canonical:
        return RefParse(text, canonical, "ok")
    squeezed = re.sub(r"\s*-\s*", "-", cleaned)
    written = re.search(r"(?<![\d-])(\d{4})-(\d{4})([A-Za-z]?)(?![\dA-Za-z])", squeezed)
    if written and f"{written[1]}-{written[2]}{written[3].upper()}" == canonical:
        return RefParse(text, canonical, "variant")
    return RefParse(text, None, "malformed", canonical)


def parse_date(raw: object, year_hint: int | None = None) -> str | None:
    """Return an ISO date from a day-first date as written (or a spreadsheet cell), or None.

    Strings go through the crawler's own date reader so imported and crawled reports agree;
    spreadsheet cells may also hold date objects or day numbers (days since 1899-12-30).
    """
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _excel_serial(raw)
    text = clean_text(raw)
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):
        return _excel_serial(float(text))
    return parse_report_date(text, fallback_year=year_hint)


def _excel_serial(value: float) -> str | None:
    """Read a spreadsheet day number within a plausible range (2000 to 2099)."""
    if 36526 <= value <= 73051:
        return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
    return None


def iso_date(value: object) -> date | None:
    """Return a date from a stored ISO string, or None when it is not a real date."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
