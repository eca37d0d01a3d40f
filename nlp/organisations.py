"""Match a recipient's organisation text to the register and type it.

Matching goes exact name -> alias (abbreviation, former name, hospital site, role) -> core
name (generic words dropped) -> a register name inside a longer text -> fuzzy (rapidfuzz).
Whatever stays unmatched is typed by the ordered regular expressions in
data/organisation_patterns.csv (police, council, care home, company ...) or left 'unknown'.
Every match says how it was made (method, score, and the register name it matched on).

An abbreviation shared by several bodies ("CPFT": Cambridgeshire and Peterborough, Cornwall
Partnership) is resolved by the report's context: the coroner area's place words in the body's
name, else the NHS region the area lies in (read off the register's police forces, councils,
CCGs and trusts named after its places); without context the first listed body is chosen.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlite_utils
from rapidfuzz import fuzz, process

from nlp.orgnames import (
    FILLER,
    TYPE_WORDS,
    VAGUE,
    area_words,
    core_key,
    is_abbreviation,
    looks_like_company,
    name_words,
    near_acronym,
    normalise,
    own_words,
    portfolio_fits,
    stem_set,
    subtype_fits,
    type_hint,
)
from nlp.register import (
    DATA_DIR,
    OVERLAY_ORGS,
    Organisation,
    Register,
    load_register,
    overlay_dir,
    upsert_register,
)
from tracker.config import Config

log = logging.getLogger(__name__)

PATTERNS_FILE = DATA_DIR / "organisation_patterns.csv"
FUZZY_CUTOFF = 90.0
CORE_CUTOFF = 80.0
NHS_SIGNAL = re.compile(r"\b(nhs|trust|ft|hospitals?|infirmary)\b")
REGION_TYPES = frozenset({"police", "local_authority", "ccg", "icb", "nhs_trust", "fire_service"})
SAME_WORDS_TYPES = frozenset(
    {"nhs_trust", "health_board", "icb", "ccg", "government_department", "police", "fire_service"}
)
FALLBACK = "fallback: a named body outside the register, most often a company"


@dataclass(slots=True)
class OrgMatch:
    """How one piece of organisation text was matched and typed."""

    organisation_id: str | None
    organisation_name: str
    org_type: str
    nhs_trust_subtype: str | None
    ods_code: str | None
    method: str  # exact | alias | fuzzy | pattern | none
    score: float
    matched_on: str = ""


@dataclass(slots=True)
class TypePattern:
    """One typing rule: a regular expression over normalised text."""

    org_type: str
    nhs_trust_subtype: str | None
    regex: re.Pattern[str]


def load_patterns(path: Path = PATTERNS_FILE) -> list[TypePattern]:
    """Read the ordered typing rules."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            TypePattern(r["org_type"], r["nhs_trust_subtype"] or None, re.compile(r["pattern"]))
            for r in csv.DictReader(handle)
        ]


def place_regions(orgs) -> dict[str, Counter]:
    """Return, for each place word in a regional body's name, the NHS regions it occurs in."""
    table: dict[str, Counter] = defaultdict(Counter)
    for org in orgs:
        if org.region and org.org_type in REGION_TYPES:
            for word in area_words(org.name) - TYPE_WORDS - VAGUE - FILLER:
                table[word][org.region] += 1
    return table


def open_on(org: Organisation, on_date: str | None) -> bool:
    """Tell whether an organisation existed on a date (always true without a date)."""
    if not on_date:
        return org.closed_on is None
    return (org.opened_on or "0000") <= on_date <= (org.closed_on or "9999")


class OrgMatcher:
    """Indexes of the register's names and aliases, and the typing rules."""

    def __init__(self, register: Register, patterns: list[TypePattern] | None = None) -> None:
        self.register = register
        self.orgs = register.organisations
        self.patterns = patterns if patterns is not None else load_patterns()
        self.names: dict[str, list[str]] = defaultdict(list)
        self.aliases: dict[str, list[str]] = defaultdict(list)
        self.cores: dict[str, set[str]] = defaultdict(set)
        for org in self.orgs.values():
            self._index(org.name, org.id, self.names)
        self.acronyms: set[str] = set()
        for alias in register.aliases:
            self._index(alias.alias, alias.organisation_id, self.aliases)
            if alias.kind == "abbreviation" and is_abbreviation(alias.alias):
                self.acronyms.add(normalise(alias.alias))
        self.choices = sorted({*self.names, *(k for k in self.aliases if len(k) > 5)})
        self.place_regions = place_regions(self.orgs.values())
        self.area_regions: dict[str, str | None] = {}
        self.token_sets = {k: stem_set(k) for k in self.choices}
        self.max_ngram = max(len(k.split()) for k in self.choices)
        self.by_words: dict[frozenset[str], set[str]] = defaultdict(set)
        for org in self.orgs.values():
            if org.org_type in SAME_WORDS_TYPES:
                self.by_words[own_words(normalise(org.name))].add(org.id)

    def _index(self, text: str, org_id: str, table: dict[str, list[str]]) -> None:
        key = normalise(text)
        if key and org_id not in table[key]:
            table[key].append(org_id)
        core = core_key(key)
        single_ok = " " in core or self.orgs[org_id].org_type == "nhs_trust"
        if len(core) >= 4 and core != key and single_ok:
            self.cores[core].add(org_id)

    def compatible(self, ids: list[str] | set[str], key: str) -> set[str]:
        """Keep the candidates whose type does not contradict the text's own type words."""
        hint = type_hint(key)
        if hint is None:
            return set(ids)
        if hint == "nhs_trust":
            return {i for i in ids if self.orgs[i].org_type not in ("local_authority", "police")}
        return {i for i in ids if self.orgs[i].org_type == hint}

    def pick(
        self, ids: list[str] | set[str], on_date: str | None, area: str | None = None
    ) -> Organisation:
        """Choose among candidate ids: those open on the date, the best fit to the area, first.

        A list keeps the register's order (the first listed body of a shared abbreviation).
        """
        candidates = [self.orgs[i] for i in (ids if isinstance(ids, list) else sorted(ids))]
        live = [org for org in candidates if open_on(org, on_date)] or candidates[:1]
        if area and len(live) > 1:
            return max(live, key=lambda org: self.area_fit(org, area))
        return live[0]

    def area_fit(self, org: Organisation, area: str) -> int:
        """Score how well a body fits a coroner area: its place words, then its region."""
        words = area_words(area)
        shared = len(words & set(normalise(org.name).split()))
        return 2 * shared + int(bool(org.region) and org.region == self.area_region(area))

    def area_region(self, area: str) -> str | None:
        """Return the NHS region whose regional bodies share most place words with an area."""
        if area not in self.area_regions:
            votes: Counter = Counter()
            for word in area_words(area):
                votes.update(self.place_regions.get(word, Counter()))
            self.area_regions[area] = votes.most_common(1)[0][0] if votes else None
        return self.area_regions[area]

    def result(self, org: Organisation, method: str, score: float, on: str) -> OrgMatch:
        """Turn a register organisation into a match."""
        return OrgMatch(
            org.id,
            org.name,
            org.org_type,
            org.nhs_trust_subtype,
            org.ods_code,
            method,
            round(score, 1),
            on,
        )

    def match(self, text: str, on_date: str | None = None, area: str | None = None) -> OrgMatch:
        """Match organisation text to the register, falling back on typing rules.

        area (the coroner area) chooses between bodies that share a name or abbreviation.
        """
        key = normalise(text)
        if not key:
            return OrgMatch(None, "", "unknown", None, None, "none", 0.0)
        found = self._exact(key, on_date, area)
        for finder in (self._core, self._contained, self._fuzzy, self._subset, self._same_words):
            if found is not None:
                return found
            found = finder(key, on_date)
        if found is None and is_abbreviation(text):
            found = self._near_acronym(key, on_date)
        return found or self.type_by_pattern(text, key)

    def _exact(self, key: str, on_date: str | None, area: str | None = None) -> OrgMatch | None:
        if key in self.names:
            return self.result(self.pick(self.names[key], on_date, area), "exact", 100.0, key)
        if key in self.aliases:
            return self.result(self.pick(self.aliases[key], on_date, area), "alias", 100.0, key)
        return None

    def _near_acronym(self, key: str, on_date: str | None) -> OrgMatch | None:
        """Match a misspelt acronym ("MRHA", "MHPRA") to the one known acronym it can be."""
        hits = [a for a in self.acronyms if near_acronym(key, a)]
        ids = {i for a in hits for i in self.aliases[a]}
        if len({self.orgs[i].successor_id or i for i in ids}) != 1:
            return None
        return self.result(self.pick(ids, on_date), "fuzzy", 85.0, hits[0])

    def _core(self, key: str, on_date: str | None) -> OrgMatch | None:
        core = core_key(key)
        ids = self.compatible(self.cores.get(core, ()), key)
        if not ids:
            return None
        single = " " not in core
        orgs = {
            i
            for i in ids
            if not single or self.orgs[i].org_type != "nhs_trust" or NHS_SIGNAL.search(key)
        }
        return self.result(self.pick(orgs, on_date), "alias", 95.0, core) if orgs else None

    def _contained(self, key: str, on_date: str | None) -> OrgMatch | None:
        words = key.split()
        for size in range(min(len(words) - 1, self.max_ngram), 0, -1):
            for start in range(len(words) - size + 1):
                gram = " ".join(words[start : start + size])
                if size == 1 and gram not in self.acronyms:
                    continue
                ids = self.compatible(self.names.get(gram) or self.aliases.get(gram) or (), key)
                rest = words[:start] + words[start + size :]
                if ids and all(w in FILLER for w in rest):
                    score = 100.0 * size / len(words)
                    return self.result(self.pick(ids, on_date), "alias", max(score, 80.0), gram)
        return None

    def _fuzzy(self, key: str, on_date: str | None) -> OrgMatch | None:
        if len(key) < 6:
            return None
        best = process.extractOne(
            key, self.choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF - 4
        )
        if best is None:
            return None
        choice, score, _ = best
        needed = FUZZY_CUTOFF if len(key) >= 25 else FUZZY_CUTOFF + 4
        if fuzz.ratio(name_words(key), name_words(choice)) < CORE_CUTOFF or score < needed:
            return None
        if not portfolio_fits(key, choice):
            return None  # "Minister of State for Crime" is not the "Minister of State for Care"
        ids = self.compatible(self.names.get(choice) or self.aliases[choice], key)
        if not ids:
            return None
        return self.result(self.pick(ids, on_date), "fuzzy", score, choice)

    def _subset(self, key: str, on_date: str | None) -> OrgMatch | None:
        """Match text whose distinctive words and one body's name words contain each other.

        "East Kent University Hospitals" lies inside East Kent Hospitals University NHS FT;
        "Pennine Care Health Foundation NHS Trust" holds all of Pennine Care's words.
        """
        words = stem_set(key)
        if len(words) < 2 or words <= VAGUE:
            return None
        scored = {}
        for choice, names in self.token_sets.items():
            if words <= names:
                scored[choice] = len(words) / len(names)
            elif len(names - VAGUE) >= 1 and len(names) >= 2 and names <= words:
                if words - names <= VAGUE | FILLER:
                    scored[choice] = len(names) / len(words)
        ids = {i for k in scored for i in (self.names.get(k) or self.aliases[k])}
        if len(words - VAGUE) < 2:
            ids = {i for i in ids if self.orgs[i].org_type != "nhs_trust" or NHS_SIGNAL.search(key)}
        ids = self.compatible(ids, key)
        if not ids or len({self.orgs[i].successor_id or i for i in ids}) != 1:
            return None
        best = max(scored, key=scored.get)
        if scored[best] < 0.4:
            return None
        return self.result(self.pick(ids, on_date), "fuzzy", 100.0 * scored[best], best)

    def _same_words(self, key: str, on_date: str | None) -> OrgMatch | None:
        """Match a misnamed body to the one of the kind its wording announces with its words.

        "Northumbria Health Trust" is Northumbria Healthcare NHS FT, "East Lancashire
        Healthcare NHS Trust" is East Lancashire Hospitals NHS Trust, "Foreign and Commonwealth
        Affairs" the Foreign and Commonwealth Office: the same place or subject words, and no
        other body of that kind (and trust subtype family) has them.
        """
        rule = self.rule_for(key)
        words = own_words(key)
        if rule is None or rule.org_type not in SAME_WORDS_TYPES or not words:
            return None
        ids = {
            i
            for i in self.by_words.get(words, ())
            if self.orgs[i].org_type == rule.org_type
            and subtype_fits(rule.nhs_trust_subtype, self.orgs[i].nhs_trust_subtype)
        }
        if len({self.orgs[i].successor_id or i for i in ids}) != 1:
            return None
        return self.result(self.pick(ids, on_date), "fuzzy", 80.0, " ".join(sorted(words)))

    def rule_for(self, key: str) -> TypePattern | None:
        """Return the first typing rule that fits normalised text."""
        return next((rule for rule in self.patterns if rule.regex.search(key)), None)

    def type_by_pattern(self, text: str, key: str | None = None) -> OrgMatch:
        """Type unmatched text by the first rule that fits, or 'unknown'."""
        rule = self.rule_for(normalise(text) if key is None else key)
        if rule is not None:
            method = "none" if rule.org_type == "unknown" else "pattern"
            return OrgMatch(
                None,
                text.strip(),
                rule.org_type,
                rule.nhs_trust_subtype,
                None,
                method,
                0.0 if method == "none" else 50.0,
                rule.regex.pattern,
            )
        if looks_like_company(text):
            return OrgMatch(None, text.strip(), "company", None, None, "pattern", 25.0, FALLBACK)
        return OrgMatch(None, text.strip(), "unknown", None, None, "none", 0.0)


@lru_cache(maxsize=4)
def cached_matcher(overlay: Path | None, stamp: float = 0.0) -> OrgMatcher:
    """Build the matcher once per overlay folder and version of its files."""
    return OrgMatcher(load_register(overlay))


def matcher_for(config: Config) -> OrgMatcher:
    """Return the matcher for this data dir's register (shipped files plus any refresh)."""
    overlay = overlay_dir(config.data_dir)
    if not (overlay / OVERLAY_ORGS).exists():
        return cached_matcher(None)
    stamp = max(p.stat().st_mtime for p in overlay.glob("*.csv"))
    return cached_matcher(overlay, stamp)


def run(db: sqlite_utils.Database, config: Config, progress: bool = True) -> dict[str, int]:
    """Load the organisation register into the store (idempotent)."""
    matcher = matcher_for(config)
    counts = upsert_register(db, matcher.register)
    log.info("register %s: %s", matcher.register.version(), counts)
    return counts
