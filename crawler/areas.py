"""Map the coroner area a page prints to one canonical spelling, through a synonym table.

The table (crawler/data/coroner_areas.yml) lists each area once with the spellings whose words
differ; everything else is caught by a word-order-free key ("London Inner (North)" and
"Inner North London" share one), and small typos by a strict fuzzy match.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from crawler.fields import label_key, one_line

log = logging.getLogger(__name__)

TABLE_PATH = Path(__file__).parent / "data" / "coroner_areas.yml"
STOP_WORDS = frozenset(
    "and the of coroner coroners court courts service area district division county greater "
    "including".split()
)
WORD_MAP = {
    "eastern": "east",
    "western": "west",
    "northern": "north",
    "southern": "south",
    "e": "east",
    "w": "west",
    "n": "north",
    "s": "south",
    "isle": "isles",
    "saint": "st",
}
FUZZY_CUTOFF = 90


def area_key(name: str) -> str:
    """Return an order-free key for an area name: significant words, sorted."""
    words = label_key(one_line(name).replace("&", " and ")).split()
    kept = [WORD_MAP.get(w, w) for w in words if w not in STOP_WORDS]
    return " ".join(sorted(kept))


@lru_cache(maxsize=1)
def area_table() -> dict[str, str]:
    """Return key -> canonical name for every canonical area and synonym in the table."""
    data = yaml.safe_load(TABLE_PATH.read_text(encoding="utf-8")) or {}
    table: dict[str, str] = {}
    for canonical, synonyms in data.items():
        for name in [canonical, *(synonyms or [])]:
            key = area_key(name)
            if key in table and table[key] != canonical:
                log.warning("area key %r is claimed by %s and %s", key, table[key], canonical)
            table.setdefault(key, canonical)
    return table


@lru_cache(maxsize=4096)
def _lookup(part: str) -> str | None:
    key = area_key(part)
    if not key:
        return None
    table = area_table()
    if key in table:
        return table[key]
    best = process.extractOne(key, table.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return table[best[0]] if best else None


def canonical_area(raw: str | None) -> str:
    """Return the canonical name of a coroner area, or the cleaned raw text when unknown."""
    text = one_line(raw)
    if not text:
        return ""
    for part in [text, *reversed(re.split(r"\s*;\s*", text))]:
        found = _lookup(part)
        if found:
            return found
    return text
