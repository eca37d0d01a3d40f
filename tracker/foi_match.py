"""Pure matching for FOI reconciliation: find columns in a messy list, match rows to reports.

An organisation's answer to an FOI request is a spreadsheet someone typed: headers such as
"Name of deceased", "Patient name", "Date of PFD" or "Coroner ref"; names with titles
("Mrs J. Smith"), initials or surname first; dates in several formats; refs often missing.
Rows are matched by ref first (checked against the name when there is one), then by name and
date with rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from tracker.normalise import iso_date, parse_date, parse_ref

# field -> header phrases, most specific first. Compared on lower-case letters and digits.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name of deceased",
        "deceased name",
        "deceaseds name",
        "name of the deceased",
        "deceased",
        "patient name",
        "name of patient",
        "patient",
        "service user name",
        "service user",
        "full name",
        "client name",
        "person",
        "name",
        "subject",
    ),
    "forename": ("forename", "forenames", "first name", "first names", "given name"),
    "surname": ("surname", "last name", "family name"),
    "date": (
        "date of pfd",
        "pfd date",
        "date of report",
        "report date",
        "date of reg 28",
        "reg 28 date",
        "date of regulation 28",
        "regulation 28 date",
        "date of pfd report",
        "pfd report date",
        "date issued",
        "date received",
        "received date",
        "date report received",
        "date of receipt",
        "date",
    ),
    "ref": (
        "coroner ref",
        "coroners ref",
        "coroner reference",
        "coroners reference",
        "pfd ref",
        "pfd reference",
        "judiciary ref",
        "judiciary reference",
        "reference number",
        "reference",
        "ref no",
        "ref number",
        "ref",
    ),
}
# A header holding one of these words is about something else.
HEADER_EXCLUDE: dict[str, tuple[str, ...]] = {
    "name": (
        "coroner",
        "trust",
        "organisation",
        "author",
        "sent",
        "staff",
        "file",
        "area",
        "hospital",
        "ward",
        "team",
        "lead",
        "number",
        "id",
    ),
    "date": ("death", "birth", "inquest", "response", "reply", "due", "deadline", "closed"),
    "ref": ("datix", "incident", "internal", "trust", "our", "steis", "nhs number", "hospital"),
}
TITLES = frozenset(
    """mr mrs ms miss mx dr doctor master baby rev revd reverend sir dame lady lord prof
    professor fr father sister capt captain sgt pc cllr late the and deceased""".split()
)


@dataclass(slots=True)
class Entry:
    """One row of an organisation's list, read."""

    row_number: int
    name: str = ""
    date_raw: str = ""
    date: str | None = None
    ref_raw: str = ""
    ref: str | None = None
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def tokens(self) -> list[str]:
        """Return the name's comparable words."""
        return name_tokens(self.name)


@dataclass(slots=True)
class Candidate:
    """A published report, as the matcher sees it."""

    report_id: str
    ref: str | None
    name: str
    date: date | None
    sent_to_organisation: bool = False
    tokens: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Match:
    """Which report an entry is, how it was found, and how sure."""

    report_id: str
    method: str  # ref | ref_name | name_date | name_date_loose | name
    score: float
    detail: str = ""


def header_key(value: object) -> str:
    """Return a header as lower-case words of letters and digits."""
    text = unicodedata.normalize("NFKD", str(value or "")).casefold()
    text = re.sub(r"['\u2019`]", "", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _header_score(key: str, name: str) -> int:
    """Return how well a header names a field: 3 exact, 2 starts with, 1 contains, 0 no."""
    excluded = HEADER_EXCLUDE.get(name, ())
    if not key or any(re.search(rf"\b{re.escape(word)}\b", key) for word in excluded):
        return 0
    best = 0
    for rank, alias in enumerate(HEADER_ALIASES[name]):
        bonus = 1 - rank / 100  # earlier (more specific) aliases win ties
        if key == alias:
            best = max(best, 3 + bonus)
        elif re.search(rf"\b{re.escape(alias)}\b", key):
            best = max(best, (2 if key.startswith(alias) else 1) + bonus)
    return best


def find_columns(headers: list[object]) -> dict[str, int]:
    """Map fields (name, forename, surname, date, ref) to column indexes by header text."""
    keys = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    used: set[int] = set()
    for name in ("ref", "date", "forename", "surname", "name"):
        scored = [(_header_score(k, name), -i, i) for i, k in enumerate(keys) if i not in used]
        scored = [s for s in scored if s[0] > 0]
        if scored:
            column = max(scored)[2]
            found[name] = column
            used.add(column)
    return found


def read_entry(row_number: int, headers: list[object], row: list[object], cols: dict) -> Entry:
    """Build an entry from one spreadsheet row."""

    def cell(name: str) -> object:
        index = cols.get(name)
        return row[index] if index is not None and index < len(row) else None

    name = _text(cell("name"))
    if not name and (cell("forename") or cell("surname")):
        name = f"{_text(cell('forename'))} {_text(cell('surname'))}".strip()
    ref = parse_ref(_text(cell("ref")))
    date_cell = cell("date")
    raw = {
        str(h or f"column {i + 1}"): _text(v)
        for i, (h, v) in enumerate(zip(headers, row, strict=False))
    }
    return Entry(
        row_number=row_number,
        name=name,
        date_raw=_text(date_cell),
        date=parse_date(date_cell, year_hint=ref.year) if date_cell not in (None, "") else None,
        ref_raw=_text(cell("ref")),
        ref=ref.ref or ref.guess,
        raw=raw,
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def name_tokens(raw: str) -> list[str]:
    """Return a name's words: ascii, lower case, no titles, apostrophes dropped."""
    text = unicodedata.normalize("NFKD", raw or "").encode("ascii", "ignore").decode()
    text = re.sub(r"['`]", "", text.casefold())
    text = re.sub(r"\((?:nee|née)?[^)]*\)", " ", text)
    return [w for w in re.findall(r"[a-z]+", text) if w not in TITLES]


def _initials_score(short: list[str], full: list[str]) -> float:
    """Score 'J Smith' against 'John Smith': words must match, initials must fit."""
    initials = [w for w in short if len(w) == 1]
    words = [w for w in short if len(w) > 1]
    if not initials or not words:
        return 0.0
    rest = list(full)
    for word in words:
        best = max(rest, key=lambda w: fuzz.ratio(word, w), default=None)
        if best is None or fuzz.ratio(word, best) < 90:
            return 0.0
        rest.remove(best)
    for initial in initials:
        hit = next((w for w in rest if w.startswith(initial)), None)
        if hit is None:
            return 0.0
        rest.remove(hit)
    return 92.0


def name_similarity(a: list[str], b: list[str]) -> float:
    """Return 0-100: how likely two names (as word lists) are the same person."""
    if not a or not b:
        return 0.0
    left, right = " ".join(a), " ".join(b)
    score = fuzz.token_sort_ratio(left, right)
    if min(len(a), len(b)) >= 2:
        score = max(score, fuzz.token_set_ratio(left, right) - 2)
    return max(score, _initials_score(a, b), _initials_score(b, a))


def _day_gap(entry: Entry, candidate: Candidate) -> int | None:
    mine = iso_date(entry.date)
    if mine is None or candidate.date is None:
        return None
    return abs((mine - candidate.date).days)


@dataclass(slots=True)
class ReportIndex:
    """Published reports arranged for matching."""

    candidates: list[Candidate]
    by_ref: dict[str, list[Candidate]] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, candidates: list[Candidate]) -> ReportIndex:
        index = cls(candidates)
        for c in candidates:
            c.tokens = name_tokens(c.name)
            index.keys.append(" ".join(c.tokens))
            if c.ref:
                index.by_ref.setdefault(c.ref, []).append(c)
                if len(c.ref) > 9:
                    index.by_ref.setdefault(c.ref[:9], []).append(c)
        return index


def _rank(entry: Entry, c: Candidate, name_score: float) -> tuple[int, float, str] | None:
    """Return (rule strength, score, method) if a candidate is acceptable for an entry."""
    gap = _day_gap(entry, c)
    if gap is not None and name_score >= 85 and gap <= 14:
        return (3, name_score - gap / 2, "name_date")
    if gap is not None and name_score >= 93 and gap <= 90:
        return (2, name_score - gap / 10, "name_date_loose")
    if gap is None and name_score >= 93:
        return (1, name_score, "name")
    return None


def match_by_ref(entry: Entry, index: ReportIndex) -> Match | None:
    """Match on the ref, checked against the name (refs are shared by ~50 report pairs)."""
    candidates = index.by_ref.get(entry.ref or "", [])
    if not candidates:
        return None
    tokens = entry.tokens
    if tokens:
        scored = max(candidates, key=lambda c: name_similarity(tokens, c.tokens))
        score = name_similarity(tokens, scored.tokens)
        if score >= 60:
            return Match(scored.report_id, "ref_name", score)
        return None  # the ref points at someone else: trust the name instead
    if len(candidates) > 1 and entry.date:
        candidates = sorted(candidates, key=lambda c: _day_gap(entry, c) or 10**6)
    detail = f"{len(candidates)} reports share this ref" if len(candidates) > 1 else ""
    return Match(candidates[0].report_id, "ref", 100.0, detail)


def match_by_name(entry: Entry, index: ReportIndex) -> Match | None:
    """Match on the deceased's name and the report's date."""
    tokens = entry.tokens
    if not tokens or not index.keys:
        return None
    shortlist = process.extract(
        " ".join(tokens), index.keys, scorer=fuzz.token_set_ratio, score_cutoff=60, limit=40
    )
    ranked = []
    for _key, _score, position in shortlist:
        c = index.candidates[position]
        rank = _rank(entry, c, name_similarity(tokens, c.tokens))
        if rank:
            ranked.append((rank[0], c.sent_to_organisation, rank[1], rank[2], c))
    if not ranked:
        return None
    ranked.sort(key=lambda r: r[:3], reverse=True)
    strength, _sent, score, method, best = ranked[0]
    rivals = [r for r in ranked[1:] if r[0] == strength and abs(r[2] - score) < 3]
    detail = f"{len(rivals)} other reports fit as well" if rivals else ""
    return Match(best.report_id, method, round(score, 1), detail)


def match_entry(entry: Entry, index: ReportIndex) -> Match | None:
    """Return the published report an entry is, or None when the site lacks it."""
    return match_by_ref(entry, index) or match_by_name(entry, index)
