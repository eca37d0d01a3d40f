"""Decide which recipient(s) of a report a response document answers (pure functions).

The evidence is the organisation named in the file name ("2031-0417-Response-from-
Lancashire-Constabulary.pdf"), the link text, the crawler's org hint and the letterhead.
Each piece of evidence is matched to the register and compared with every recipient:
the same register body (100), a predecessor or successor of it (95), a body that answers
for it on the date (90: a group for its hospital, an operator for its train company, HMPPS
for a prison, a department for its agency; nlp/data/organisation_relations.csv), one it
answers for (85), another body that bears the recipient's very name (90: "St George's
Hospital" is a site of two trusts), names whose distinctive words contain each other or read alike
(rapidfuzz), or, failing those, the only recipient of the same type
("Response-by-University-Health-Board" when one health board was sent the report). Ties
between different bodies are left unmatched, except that a parent answers for every one of
its bodies among the recipients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from rapidfuzz import fuzz

from nlp.organisations import OrgMatch, OrgMatcher
from nlp.orgnames import FILLER, TYPE_WORDS, VAGUE, core_key, is_abbreviation, normalise

THRESHOLD = 80.0
NOISE_RE = re.compile(
    r"\b(?:(?:19|20)\d{2}\W?\d{2,5}\w?|\d+\w*|responses?|response\w*|reply|replies|from|by|"
    r"redacted\w*|published|final|amended|signed|letter|pdf|docx?|prevention|future|deaths?|"
    r"reports?|pfd|regulation|reg|copy|re|v|r|a|b|c|part|appendix|enclosure|annex|attachment)\b",
    re.I,
)
UNIT_WORDS = frozenset("childrens adult adults social highways safeguarding directorate".split())
SMALL_WORDS = frozenset("and of the for in on at to by".split())
TYPED = frozenset(
    {"health_board", "prison", "police", "ccg", "icb", "local_authority", "nhs_trust"}
)


@dataclass(slots=True)
class Candidate:
    """A recipient as the matcher sees it."""

    recipient_id: str
    organisation_id: str | None
    org_type: str
    nhs_trust_subtype: str | None
    texts: tuple[str, ...]


@dataclass(slots=True)
class Verdict:
    """A response's match to one recipient ('' when none), with how it was made."""

    recipient_id: str
    method: str
    score: float
    evidence: str
    matched_on: str


def evidence_from_file_name(file_name: str, own_words: frozenset[str] = frozenset()) -> str:
    """Turn "2031-0417-Response-from-Lancashire-Constabulary_Redacted.pdf" into its body's name.

    own_words (the deceased's name from the report's slug) are dropped, so a file called
    "Ada-QUINTRELL-Response.pdf" gives no evidence at all.
    """
    stem = unquote(file_name).rsplit("/", 1)[-1]
    stem = re.sub(r"\.(pdf|docx?|odt|rtf)$", "", stem, flags=re.I)
    text = re.sub(r"[-_+.]+", " ", stem)
    text = NOISE_RE.sub(" ", text)
    words = [w for w in text.split() if w.lower() not in own_words]
    return " ".join(words).strip()


def distinctive(text: str) -> frozenset[str]:
    """Return the words of a name that identify it (not "health", "board", "council" ...)."""
    words = frozenset(core_key(normalise(text)).split())
    return words - VAGUE - FILLER - TYPE_WORDS - UNIT_WORDS


def initials(text: str) -> str:
    """Return the initials of a name's words, small words left out ("IOPC")."""
    words = re.findall(r"[A-Za-z]+", text)
    return "".join(w[0] for w in words if w.lower() not in SMALL_WORDS).upper()


def text_score(evidence: str, text: str) -> float:
    """Score how alike two names are: acronym, shared distinctive words, fuzzy similarity."""
    a, b = normalise(evidence), normalise(text)
    if not a or not b:
        return 0.0
    if is_abbreviation(evidence) and len(evidence) >= 3 and initials(text) == evidence.upper():
        return 88.0
    da, db = distinctive(evidence), distinctive(text)
    if not da:
        return 0.0  # "University Health Board" says which kind of body, not which one
    if db and (da <= set(b.split()) or db <= set(a.split())):
        return 90.0 + 10.0 * len(da & db) / len(da | db)
    return float(fuzz.token_sort_ratio(core_key(a), core_key(b)))


def related(matcher: OrgMatcher, a: str, b: str, on_date: str | None = None) -> bool:
    """Tell whether two bodies were one by the response's date (a merger or a rename).

    A predecessor counts only once it had closed: NHS Digital answering in 2019 was not yet
    part of NHS England, while "Department of Health" in a 2019 file name is DHSC.
    """
    for old, new in ((a, b), (b, a)):
        if new in lineage(matcher, old):
            closed = matcher.orgs[old].closed_on
            early = on_date is None or closed is None or closed <= on_date
            return early or renamed(matcher, old)
    return False


def renamed(matcher: OrgMatcher, org_id: str) -> bool:
    """Tell whether a body's successor was new when it closed (a rename, not an absorption).

    The Department of Health became DHSC: the two never stood side by side, so a 2016 reply
    from the Department of Health answers "Secretary of State for Health" whichever of the two
    the recipient was matched to. NHS Digital was absorbed by an NHS England that already was.
    """
    org = matcher.orgs[org_id]
    successor = matcher.orgs.get(org.successor_id or "")
    opened = successor.opened_on if successor else None
    return bool(org.closed_on and opened and opened > org.closed_on)


def upload_date(url: str) -> str | None:
    """Return the end of the month a judiciary upload folder names (/uploads/2019/07/)."""
    found = re.search(r"/uploads/(\d{4})/(\d{2})/", url or "")
    return f"{found.group(1)}-{found.group(2)}-28" if found else None


def lineage(matcher: OrgMatcher, org_id: str) -> set[str]:
    """Return a body and all of its successors."""
    seen = {org_id}
    current = matcher.orgs.get(org_id)
    while current is not None and current.successor_id and current.successor_id not in seen:
        seen.add(current.successor_id)
        current = matcher.orgs.get(current.successor_id)
    return seen


def ancestors(matcher: OrgMatcher, org_id: str, on_date: str | None) -> set[str]:
    """Return every body that answers for org_id (or a successor of it) on a date."""
    found: set[str] = set()
    todo = list(lineage(matcher, org_id))
    while todo:
        for parent in matcher.register.parents(todo.pop(), on_date) - found:
            found.add(parent)
            todo.append(parent)
    return found


def answers_for(matcher: OrgMatcher, parent: str, child: str, on_date: str | None) -> bool:
    """Tell whether one body (or its predecessor) answers for another on a date."""
    return any(
        p == parent or related(matcher, parent, p, on_date)
        for p in ancestors(matcher, child, on_date)
    )


def shared_ids(matcher: OrgMatcher, text: str) -> list[str]:
    """Return every body a name or alias belongs to ("St George's Hospital": two trusts' sites)."""
    key = normalise(text)
    return [*matcher.names.get(key, ()), *matcher.aliases.get(key, ())]


def score_candidate(
    matcher: OrgMatcher, piece: str, found: OrgMatch, cand: Candidate, on_date: str | None
) -> tuple[float, str, str]:
    """Score one evidence piece against one recipient; return (score, how, matched_on).

    Two different register bodies, or two different types of body, never match by wording.
    """
    if found.organisation_id and cand.organisation_id:
        if found.organisation_id == cand.organisation_id:
            return 100.0, "register", found.organisation_id
        if related(matcher, found.organisation_id, cand.organisation_id, on_date):
            return 95.0, "successor", cand.organisation_id
        if answers_for(matcher, found.organisation_id, cand.organisation_id, on_date):
            return 90.0, "parent", cand.organisation_id
        if answers_for(matcher, cand.organisation_id, found.organisation_id, on_date):
            return 85.0, "member", cand.organisation_id
        if any(found.organisation_id in shared_ids(matcher, t) for t in cand.texts):
            return 90.0, "shared_name", found.organisation_id
        return 0.0, "fuzzy", ""
    if found.org_type in TYPED and cand.org_type in TYPED and found.org_type != cand.org_type:
        return 0.0, "fuzzy", ""
    best, on = 0.0, ""
    for text in cand.texts:
        score = text_score(piece, text)
        if score > best:
            best, on = score, text
    return best, "fuzzy", on


def same_kind(found: OrgMatch, cand: Candidate) -> bool:
    """Tell whether a recipient has the type (and subtype, when known) the evidence names."""
    if found.org_type not in TYPED or found.org_type != cand.org_type:
        return False
    return not found.nhs_trust_subtype or found.nhs_trust_subtype == cand.nhs_trust_subtype


def match_piece(
    matcher: OrgMatcher, piece: str, source: str, cands: list[Candidate], on_date: str | None
) -> list[Verdict]:
    """Match one evidence piece to the recipient(s) it names.

    When nothing matches by name, generic evidence ("University Health Board", "CCG") or a
    parent body (HMPPS) goes to the only recipient of that type.
    """
    found = matcher.match(piece, on_date)
    scored = [(score_candidate(matcher, piece, found, c, on_date), c) for c in cands]
    top = max((s for (s, _, _), _ in scored), default=0.0)
    if top >= THRESHOLD:
        winners = [(how, on, c) for (s, how, on), c in scored if s == top]
        bodies = {c.organisation_id or c.recipient_id for _, _, c in winners}
        if len(bodies) == 1 or all(how == "parent" for how, _, _ in winners):
            return [
                Verdict(c.recipient_id, f"{how}:{source}", top, piece, on) for how, on, c in winners
            ]
        return []
    parent_of = matcher.register.type_parents().get(found.organisation_id or "")
    generic = not distinctive(piece) or parent_of is not None
    kind = [
        c
        for c in cands
        if same_kind(found, c) and (generic or not any(distinctive(t) for t in c.texts))
    ]
    if len({c.organisation_id or c.recipient_id for c in kind}) == 1:
        return [
            Verdict(c.recipient_id, f"type:{source}", 85.0, piece, found.org_type) for c in kind
        ]
    return []


def match_response(
    matcher: OrgMatcher,
    evidence: list[tuple[str, list[str]]],
    cands: list[Candidate],
    on_date: str | None = None,
) -> list[Verdict]:
    """Match a response to recipients from its evidence: [(source, [organisation pieces])]."""
    best: dict[str, Verdict] = {}
    for source, pieces in evidence:
        for piece in pieces:
            for verdict in match_piece(matcher, piece, source, cands, on_date):
                held = best.get(verdict.recipient_id)
                if held is None or verdict.score > held.score:
                    best[verdict.recipient_id] = verdict
    if best:
        return sorted(best.values(), key=lambda v: v.recipient_id)
    if len(cands) == 1 and not any(pieces for _, pieces in evidence):
        only = cands[0]
        return [Verdict(only.recipient_id, "only_recipient", 50.0, "", "")]
    said = "; ".join(p for _, pieces in evidence for p in pieces)
    return [Verdict("", "none", 0.0, said, "")]
