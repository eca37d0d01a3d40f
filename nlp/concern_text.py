"""Pure helpers for concern text: strip the form's boilerplate and split a section into items."""

from __future__ import annotations

import re

# Sentences the Regulation 28 form prints before every list of concerns.
BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"during (the course of )?(the|this|these|my) (inquests?|investigations?)[^.]*?"
        r"(giving rise to|of) concerns?\.?",
        r"in ?my opinion,? there (is|1s) a risk[^.]{0,40}?future deaths[^.]{0,20}?occur"
        r"( unless action is taken)?\.?",
        r"in (the|these) circumstances,? it is my (statutory )?duty to [^.:]{0,40}[:.]?",
        r"the (\w+ )?matters? of concerns?( \([^)]*\))? (is|are)?,? ?as follows[:.]?",
        r"\(?brief summary of matters of concern\)?",
        r"i have (the following )?concerns? (with regard to|about|regarding) the following[:.]?",
        r"coroner'?s concerns:?",
    )
]
ITEM_MARKER = re.compile(
    r"(?:^|\n)\s*(?:\(\s*(?:\d{1,2}|[a-h]|[ivx]{1,4})\s*\)|\d{1,2}\s*[.)]|[a-h]\)|[•\-–*])\s+",
    re.IGNORECASE,
)
MIN_ITEM_CHARS = 25


def clean_text(text: str) -> str:
    """Normalise spaces and quotes so patterns and the vectoriser see one form."""
    text = text.replace("\xa0", " ").replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def strip_boilerplate(text: str) -> str:
    """Remove the form's standard sentences that precede the concerns."""
    for pattern in BOILERPLATE:
        text = pattern.sub(" ", text)
    return text.strip()


def split_items(text: str | None) -> list[str]:
    """Split a concerns section into its items: numbered points, else paragraphs.

    Coroners number their concerns as (1), 1., a) or bullets, or only by paragraph; a
    section with no usable structure stays one item.
    """
    if not text:
        return []
    body = strip_boilerplate(clean_text(text))
    parts = ITEM_MARKER.split("\n" + body)
    if len([p for p in parts if len(p.strip()) >= MIN_ITEM_CHARS]) < 2:
        parts = re.split(r"\n\s*\n|\n(?=[A-Z])", body)
    items = [" ".join(p.split()) for p in parts]
    items = [i for i in items if len(i) >= MIN_ITEM_CHARS]
    if not items and len(body.strip()) >= MIN_ITEM_CHARS:
        items = [" ".join(body.split())]
    return items


AGE = re.compile(
    r"\b(?:aged?\s+(\d{1,3})|(\d{1,3})[- ]years?[- ]old"
    r"|(\d{1,2})[- ](?:months?|weeks?|days?)[- ]old)\b",
    re.IGNORECASE,
)


def age_token(match: re.Match[str]) -> str:
    """Replace an age with a word the vectoriser can learn from (numbers are not tokens)."""
    years, old, infant = match.groups()
    if infant is not None:
        return " ageinfant "
    age = int(years or old)
    if age < 18:
        return " agechild "
    return " ageyoungadult " if age < 25 else " ageadult "


def model_text(text: str) -> str:
    """Prepare text for the vectoriser: cleaned, with ages turned into age-band words."""
    return AGE.sub(age_token, clean_text(text))
