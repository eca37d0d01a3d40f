"""The site's report-type categories, their aliases and the rules that say a report plainly
belongs to one; pure functions over text, read from nlp/data/category_seeds.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from nlp.taxonomy import DATA_DIR

CATEGORIES_FILE = DATA_DIR / "category_seeds.yml"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(slots=True)
class Category:
    """One of the site's report-type categories."""

    id: str
    name: str
    predict: bool
    aliases: list[str] = field(default_factory=list)
    rules: list[re.Pattern[str]] = field(default_factory=list)
    unless: list[re.Pattern[str]] = field(default_factory=list)
    combined: re.Pattern[str] | None = None  # the rules as one alternation, for speed

    def __post_init__(self) -> None:
        if self.rules:
            joined = "|".join(f"(?:{r.pattern})" for r in self.rules)
            self.combined = re.compile(joined, re.IGNORECASE)


@dataclass(slots=True)
class Categories:
    """All categories in file order, and a lookup from any spelling to a category id."""

    items: list[Category]
    by_name: dict[str, str]
    legacy: set[str]

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.items]

    def get(self, category_id: str) -> Category:
        """Return a category by id."""
        return self.items[self.ids.index(category_id)]


def name_key(name: str) -> str:
    """Normalise a category name for lookup: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def compile_all(patterns: list[str] | None) -> list[re.Pattern[str]]:
    """Compile patterns case-insensitively."""
    return [re.compile(p, re.IGNORECASE) for p in patterns or []]


@lru_cache(maxsize=2)
def load_categories(path: Path = CATEGORIES_FILE) -> Categories:
    """Read the categories file shipped with the code."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items, by_name = [], {}
    for entry in data["categories"]:
        cat = Category(
            id=entry["id"],
            name=entry["name"],
            predict=bool(entry.get("predict", True)),
            aliases=list(entry.get("aliases") or []),
            rules=compile_all(entry.get("rules")),
            unless=compile_all(entry.get("unless")),
        )
        items.append(cat)
        for spelling in [cat.name, *cat.aliases]:
            by_name[name_key(spelling)] = cat.id
    return Categories(items, by_name, {name_key(n) for n in data.get("legacy") or []})


def parse_site_categories(raw: list[str], cats: Categories) -> tuple[list[str], list[str]]:
    """Map site tags to category ids; return (ids, tags not recognised). Legacy tags are dropped.

    Some scrapes join several tags with ';' or '|' in one string: they are split first.
    """
    ids, unknown = [], []
    for tag in raw:
        for part in re.split(r"[;|]", tag):
            key = name_key(part)
            if not key or key in cats.legacy:
                continue
            if key in cats.by_name:
                if cats.by_name[key] not in ids:
                    ids.append(cats.by_name[key])
            else:
                unknown.append(part.strip())
    return ids, unknown


def sentence_at(text: str, start: int, end: int) -> str:
    """Return the sentence around a match (for evidence and for the `unless` check)."""
    left = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    stops = [i for i in (text.find(".", end), text.find("\n", end)) if i >= 0]
    right = min(stops) + 1 if stops else len(text)
    return " ".join(text[left:right].split())


def rule_evidence(text: str, cat: Category) -> str | None:
    """Return the first sentence in which a rule matches and no `unless` pattern does."""
    if cat.combined is None:
        return None
    for match in cat.combined.finditer(text):
        sentence = sentence_at(text, match.start(), match.end())
        if not any(u.search(sentence) for u in cat.unless):
            return sentence[:300]
    return None
