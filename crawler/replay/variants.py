"""The page-to-page variation of the site: label wording, date formats, template quirks."""

from __future__ import annotations

import random
import re
from datetime import date

FIELDS = (
    "date_of_report",
    "ref",
    "deceased_name",
    "coroner_name",
    "coroner_area",
    "category",
    "recipients",
)
STANDARD_LABELS = {
    "date_of_report": "Date of report",
    "ref": "Ref",
    "deceased_name": "Deceased name",
    "coroner_name": "Coroner name",
    "coroner_area": "Coroner Area",
    "category": "Category",
    "recipients": "This report is being sent to",
}
LABEL_VARIANTS = {
    "date_of_report": ("Date of reports", "Date of Report", "DATE OF REPORT"),
    "ref": ("REF", "ref"),
    "deceased_name": (
        "Deceased's name",
        "Deceased\u2019s name",
        "Name of deceased",
        "Deceased Name",
    ),
    "coroner_name": ("Coroners name", "Coroner's name", "Name of coroner", "Coroner Name"),
    "coroner_area": ("Coroner's Area", "Coroners: Area", "Coroners Area", "Coroner area"),
    "category": ("CATEGORY", "category"),
    "recipients": (
        "These reports are being sent to",
        "This has been sent to",
        "This death is being sent to",
        "This report was sent to",
        "THIS REPORT IS BEING SENT TO",
    ),
}
COLONS = (":", ":", " :", ":\u00a0")


def choose_labels(rng: random.Random, odd: bool) -> dict[str, str]:
    """Pick each metadata label, colon included; odd pages mix in the variants the site shows."""
    labels = {}
    for name in FIELDS:
        label = STANDARD_LABELS[name]
        if odd and rng.random() < 0.5:
            label = rng.choice(LABEL_VARIANTS[name])
        colon = rng.choice(COLONS) if odd else ":"
        labels[name] = f"{label}{colon}"
    return labels


def month_name(day: date) -> str:
    return f"{day:%B}"


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th ... 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


DATE_STYLES = {
    "long": lambda d: f"{d.day} {month_name(d)} {d.year}",
    "long0": lambda d: f"{d:%d} {month_name(d)} {d.year}",
    "slash": lambda d: f"{d:%d/%m/%Y}",
    "short": lambda d: f"{d:%d/%m/%y}",
    "ordinal": lambda d: f"{ordinal(d.day)} {month_name(d)} {d.year}",
    "nbsp": lambda d: f"{d.day}\u00a0 {month_name(d)} {d.year}",
    "spaced": lambda d: f"{d:%d} /{d:%m}/{d.year}",
    "glued": lambda d: f"{d.day} {month_name(d)}{d.year}",
}
CLEAN_DATE = re.compile(r"\d{1,2} [A-Z][a-z]+ \d{4}|\d{2}/\d{2}/\d{4}")


def printed_date(raw: str, day: date | None, rng: random.Random, odd: bool) -> str:
    """Return the date text the page prints: the row's own text, or another format on odd pages.

    Raw text that is already unusual (NBSPs, summaries, two-digit years) is kept as it is.
    """
    raw = raw.strip()
    if day is None:
        return raw
    if not raw:
        return DATE_STYLES["long"](day)
    if odd and CLEAN_DATE.fullmatch(raw):
        return DATE_STYLES[rng.choice(sorted(DATE_STYLES))](day)
    return raw


def template_flags(rng: random.Random, odd: bool) -> dict[str, bool]:
    """Pick the report PDF's quirks: curly apostrophes, heading case, dropped headings."""
    return {
        "curly": rng.random() < 0.5,
        "inquest_only": odd and rng.random() < 0.15,
        "lower_headings": odd and rng.random() < 0.2,
        "drop_copies": odd and rng.random() < 0.1,
    }
