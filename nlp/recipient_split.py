"""Split a free-text "sent to" field into recipients, each with a person, role and organisation.

Hard separators (";", "|", numbered list items) always end a recipient. Soft ones (",", new
lines, " - ", " and ", " & ") are cut only outside names the register knows: a spaCy
PhraseMatcher built from every register name, alias and "X and Y" pair inside them keeps
"Tees, Esk and Wear Valleys", "Derby and Burton" or "Department of Health and Social Care"
whole. The pieces are then regrouped: a person ("Mr John Smith"), a role ("Chief Executive")
or a unit ("Adult Safeguarding") joins the organisation next to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from nlp.orgnames import is_abbreviation

VARIOUS_RE = re.compile(
    r"\bvarious\b|\bplease see\b|\bsee (the )?(attached |full |pdf )?report\b|"
    r"\bas (listed|set out)\b",
    re.I,
)
LABEL_RE = re.compile(
    r"^\s*(?:this|these|the)?\s*(?:report|reports|death)?\s*(?:is|are|has|have)?\s*(?:been)?\s*"
    r"(?:being)?\s*sent\s+to\s*:?\s*",
    re.I,
)
MARKER_RE = re.compile(
    r"(?:^|(?<=\s))(?:\(?\d{1,2}[.)]|\(\d{1,2}\)|\(?[ivx]{1,4}\)|[a-h]\)|[•●▪‣◦*])\s+"
)
HARD_RE = re.compile(r"\s*[;|]\s*")
SOFT_RE = re.compile(r"\s*,\s*(?:and|&)\s+|\s*,\s*|\s*\n\s*|\s+[–—-]\s+|\s*:\s+")
AND_RE = re.compile(r"\s+(?:and|&)\s+", re.I)
TITLE = r"(?:mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|lord|lady|baroness|cllr|councillor|rev)"
PERSON_RE = re.compile(
    rf"^(?:the\s+)?(?:rt\.?\s+hon\.?\s+|right\s+hon(?:ourable)?\s+)?{TITLE}\.?\s+"
    r"(?:[A-Z][\w'’.\-]*|[A-Z]\.?)(?:\s+(?:[A-Z][\w'’.\-]*|[A-Z]\.?|van|de|von|le|la)){0,4}"
    r"(?:\s+(?:OBE|MBE|CBE|QC|KC|MP|FRCP|FRCS|FRCPsych))*$",
    re.I,
)
ROLE_HEAD = (
    r"(?:the\s+)?(?:(?:acting|interim|deputy|assistant|joint|executive|associate|group|senior|"
    r"regional|national|divisional|clinical|medical|nursing|managing|registered|practice|general|"
    r"operations?|site|area|chief|principal|lead|service|care|home|safeguarding|finance|quality|"
    r"governance|strategic|non-executive)\s+)*"
    r"(?:chief executive(?: officer)?|ceo|chief constable|chief coroner|chief nurse|"
    r"chief inspector|chief officer|chief operating officer|chief medical officer|"
    r"chief pharmacist|chief fire officer|"
    r"accountable officer|chair(?:man|woman|person)?|president|director(?: general)?|manager|"
    r"head(?:teacher)?|governor|officer|superintendent|matron|owner|proprietor|partners?|principal|"
    r"registrar|trustees?|coroner|leader|consultant|nurse|pharmacist|inspector|clerk|solicitor|"
    r"caldicott guardian)"
)
ROLE_RE = re.compile(
    rf"^{ROLE_HEAD}(?:\s+(?:of|for)\s+[a-z][\w\s'’&]*)?(?:\s+and\s+{ROLE_HEAD})?$", re.I
)
ROLE_START_RE = re.compile(rf"^{ROLE_HEAD}\b", re.I)
ORG_SIGNAL_RE = re.compile(
    r"\b(trust|nhs|council|police|constabulary|board|hospitals?|ccg|icb|ltd|limited|plc|llp|group|"
    r"commission|agency|authority|department|ministry|office|university|college|school|practice|"
    r"surgery|centre|home|homes|prison|hmp|government|england|wales|partnership|healthcare|"
    r"society|association|institute|service|services|company|cyngor)\b",
    re.I,
)
ORG_SUFFIX_RE = re.compile(
    r"\b(trust|council|police|constabulary|board|group|ltd|limited|plc|llp|inc|service|services|"
    r"commission|agency|authority|office|department|england|wales|home|hospital|hospitals|"
    r"practice|surgery|centre|partnership|college|university|school|society|association|"
    r"institute|government|executive|rail|railway|highways|ccg|icb|ft|healthcare|foundation|"
    r"network|unit|team|directorate|commissioner|inspectorate|ombudsman|federation|club|"
    r"company|prison|justice|care|nhs|cqc|standards|health|council|pharmacy|solicitors|registry|"
    r"pharmaceuticals?|pharma|"
    r"hmp|board|police)\W*$",
    re.I,
)
UNIT_RE = re.compile(
    r"\b(team|department|directorate|division|unit|section|branch|committee|panel|programme|"
    r"desk|safeguarding|social care|social services|children'?s services|highways)\s*$|^(adult|"
    r"children'?s|safeguarding|highways|complaints|patient|legal|corporate)\b",
    re.I,
)
ADDRESS_RE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|^\d+[a-z]?\s+\w|^(?:po box|c/o)\b|"
    r"\b(road|street|lane|avenue|way|drive|close|crescent|square|place|court|house|building|"
    r"floor|suite|quay|wharf|terrace|gardens|row|parade)\s*$",
    re.I,
)
PAREN_RE = re.compile(r"\s*\(([^()]*)\)")
PLURAL_RE = re.compile(
    r"\s+(clinical commissioning groups|ccgs|councils|nhs trusts|nhs foundation trusts|"
    r"health boards|local authorities|police forces)$",
    re.I,
)
SINGULAR = {
    "clinical commissioning groups": "Clinical Commissioning Group",
    "ccgs": "CCG",
    "councils": "Council",
    "nhs trusts": "NHS Trust",
    "nhs foundation trusts": "NHS Foundation Trust",
    "health boards": "Health Board",
    "local authorities": "Council",
    "police forces": "Police",
}
HEAD_RE = re.compile(r"^(NHS|HMP|HM Prison|The Royal College of|Royal College of)\b")


@dataclass(slots=True)
class RecipientText:
    """One recipient as written: the raw text, and the person, role and organisation in it."""

    raw: str
    person: str | None
    role: str | None
    org_text: str


Protector = Callable[[str], list[tuple[int, int]]]
Knower = Callable[[str], bool]
Scorer = Callable[[str], float]


def clean_text(text: str) -> str:
    """Normalise spaces and quotes, and drop a leading "This report is being sent to:" label."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u00a0", " ").replace("\r", "\n")
    text = re.sub(r"[ \t]+", " ", text)
    text = LABEL_RE.sub("", text.strip(), count=1)
    return text.strip(" .\n")


def is_various(text: str) -> bool:
    """Tell whether the text defers to the report ("Various recipients - please see the report")."""
    return bool(VARIOUS_RE.search(text)) and len(text) < 120


def split_hard(text: str) -> list[str]:
    """Cut at ";", "|" and numbered or bulleted list markers."""
    marked = MARKER_RE.sub("\x1e", text)
    items = []
    for chunk in marked.split("\x1e"):
        items.extend(part for part in HARD_RE.split(chunk) if part.strip(" ,.\n"))
    return [item.strip(" ,.\n") for item in items]


def outside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Tell whether [start, end) lies outside every protected span."""
    return all(end <= s or start >= e for s, e in spans)


def cut(text: str, regex: re.Pattern[str], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the (start, end) of each part of text between separators outside protected spans."""
    parts, last = [], 0
    for match in regex.finditer(text):
        if outside(spans, match.start(), match.end()):
            parts.append((last, match.start()))
            last = match.end()
    parts.append((last, len(text)))
    return [(s, e) for s, e in parts if text[s:e].strip()]


def is_role(piece: str) -> bool:
    """Tell whether a piece is only a job title."""
    return bool(ROLE_RE.match(piece.strip())) and not ORG_SIGNAL_RE.search(piece)


def should_split_and(left: str, right: str, known: Knower) -> bool:
    """Decide whether " and " between left and right separates two recipients."""
    left, right = left.strip(), right.strip()
    if not left or not right or not (right[0].isupper() or right[0].isdigit()):
        return False
    if is_role(left) or ROLE_RE.match(right) and not ORG_SIGNAL_RE.search(right):
        return False
    if PERSON_RE.match(left):
        return True
    head = HEAD_RE.match(left)
    if head and right.startswith(head.group(1)):
        return True
    if len(left.split()) == 1 and not is_abbreviation(left) and not known(left):
        return False
    return bool(ORG_SUFFIX_RE.search(left)) or is_abbreviation(left) or known(left)


def split_plural(text: str, spans: list[tuple[int, int]]) -> list[str] | None:
    """Split "Rochdale and Oldham CCGs" into "Rochdale CCG" and "Oldham CCG"."""
    plural = PLURAL_RE.search(text)
    if not plural:
        return None
    bounds = cut(text[: plural.start()], AND_RE, spans)
    if len(bounds) < 2:
        return None
    suffix = SINGULAR[plural.group(1).lower()]
    names = [text[s:e].strip() for s, e in bounds]
    if any(len(n.split()) > 4 for n in names):
        return None
    return [f"{n} {suffix}" for n in names]


def split_and(text: str, spans: list[tuple[int, int]], known: Knower) -> list[str]:
    """Cut one soft piece at each " and " that joins two recipients."""
    plural = split_plural(text, spans)
    if plural:
        return plural
    pieces, last = [], 0
    for match in AND_RE.finditer(text):
        if not outside(spans, match.start(), match.end()):
            continue
        if should_split_and(text[last : match.start()], text[match.end() :], known):
            pieces.append(text[last : match.start()])
            last = match.end()
    pieces.append(text[last:])
    return [p.strip() for p in pieces if p.strip()]


def split_soft(item: str, protect: Protector, known: Knower) -> list[str]:
    """Cut one hard item at commas, new lines, dashes and joining "and"s."""
    spans = protect(item) + [m.span() for m in PAREN_RE.finditer(item)]
    pieces = []
    for start, end in cut(item, SOFT_RE, spans):
        local = [(max(s - start, 0), e - start) for s, e in spans if s < end and e > start]
        pieces.extend(split_and(item[start:end], local, known))
    return [p.strip(" .") for p in pieces if p.strip(" .")]


def split_role(piece: str, known: Knower) -> tuple[str, str] | None:
    """Split "Chief Executive of X NHS Trust" into ("Chief Executive", "X NHS Trust")."""
    start = ROLE_START_RE.match(piece)
    if not start:
        return None
    rest = piece[start.end() :].strip()
    best = None
    if rest[:1].isupper() and (ORG_SIGNAL_RE.search(rest) or known(rest)):
        best = (piece[: start.end()].strip(), rest)
    for match in re.finditer(r"\s+(?:of|at|for|to|from|with|in)\s+(?:the\s+)?|\s*,\s*", piece):
        role, org = piece[: match.start()].strip(), piece[match.end() :].strip()
        if not org or ORG_SIGNAL_RE.search(role) or not ROLE_START_RE.match(role):
            continue
        if ORG_SIGNAL_RE.search(org) or known(org) or is_abbreviation(org):
            best = (role, org)
    return best


def unwrap(piece: str) -> tuple[str, str | None]:
    """Drop "(CQC)"-style brackets from a piece; return the text and any role found inside."""
    role = None
    for inner in PAREN_RE.findall(piece):
        if is_role(inner):
            role = inner.strip()
    text = PAREN_RE.sub("", piece).strip(" ,.-")
    return (text or piece.strip("() ")), role


def expand(piece: str) -> list[str]:
    """Open "Dr Jane Doe (Chief Executive, X NHS Trust)" into its person, role and body."""
    inner = PAREN_RE.findall(piece)
    outer = PAREN_RE.sub("", piece).strip(" ,")
    if not inner or not (PERSON_RE.match(outer) or is_role(outer)):
        return [piece]
    parts = [outer]
    for text in inner:
        parts.extend(p.strip() for p in SOFT_RE.split(text) if p.strip())
    return parts


def merge_cut_names(pieces: list[str], known: Knower, score: Scorer) -> list[str]:
    """Rejoin neighbours that were one name cut at a comma the register did not protect."""
    merged: list[str] = []
    for piece in pieces:
        if merged and not known(merged[-1]) and not known(piece):
            joined = f"{merged[-1]}, {piece}"
            whole = score(joined)
            if whole >= 80 and whole > max(score(merged[-1]), score(piece)):
                merged[-1] = joined
                continue
        merged.append(piece)
    return merged


def classify(piece: str, known: Knower, places: frozenset[str]) -> str:
    """Say what a piece is: org, role_org, person, role, address, unit or fragment."""
    if known(piece):
        return "org"
    if PERSON_RE.match(piece):
        return "person"
    if split_role(piece, known):
        return "role_org"
    if is_role(piece):
        return "role"
    if ADDRESS_RE.search(piece) and not ORG_SIGNAL_RE.search(ADDRESS_RE.sub("", piece)):
        return "address"
    if UNIT_RE.search(piece) and len(piece.split()) <= 4:
        return "unit"
    if " " not in piece and piece.lower() in places:
        return "fragment"
    return "org"


@dataclass(slots=True)
class Group:
    """The pieces of one recipient while they are being gathered."""

    parts: list[str]
    person: str | None = None
    role: str | None = None
    org: str | None = None
    prefix: str | None = None
    extra: str | None = None

    def to_recipient(self) -> RecipientText:
        """Return the gathered recipient; a unit stands in for a missing organisation."""
        org = self.org or self.extra or ""
        return RecipientText(", ".join(self.parts), self.person, self.role, org)


def group_pieces(kinds: list[tuple[str, str]], known: Knower) -> list[RecipientText]:
    """Gather classified pieces into recipients around their organisations."""
    groups: list[Group] = [Group([])]
    for index, (kind, text) in enumerate(kinds):
        current = groups[-1]
        later_org = any(k in ("org", "role_org") for k, _ in kinds[index + 1 :])
        body, inner_role = unwrap(text)
        if kind in ("org", "role_org"):
            if current.org:
                current = Group([])
                groups.append(current)
            role, org = split_role(body, known) if kind == "role_org" else (None, body)
            current.org = f"{current.prefix}, {org}" if current.prefix else org
            current.role = current.role or role or inner_role
        elif kind in ("person", "role"):
            if current.org and later_org:
                current = Group([])
                groups.append(current)
            if kind == "person":
                current.person, current.role = body, current.role or inner_role
            else:
                current.role = f"{current.role}, {body}" if current.role else body
        elif kind == "fragment" and later_org and kinds[index + 1][0] in ("org", "role_org"):
            if current.org:
                current = Group([])
                groups.append(current)
            current.prefix = body
        else:
            current.extra = current.extra or (body if kind == "unit" else None)
        current.parts.append(text)
    return [g.to_recipient() for g in groups if g.parts]


def no_score(text: str) -> float:
    """Score nothing: the default when no register matcher is given."""
    return 0.0


def split_recipients(
    text: str,
    protect: Protector,
    known: Knower,
    places: frozenset[str] = frozenset(),
    score: Scorer = no_score,
) -> list[RecipientText]:
    """Split a recipient field into recipients; an empty list when it defers to the report."""
    text = clean_text(text)
    if not text or is_various(text):
        return []
    recipients = []
    for item in split_hard(text):
        pieces = [p for piece in split_soft(item, protect, known) for p in expand(piece)]
        pieces = merge_cut_names(pieces, known, score)
        kinds = [(classify(unwrap(p)[0], known, places), p) for p in pieces]
        recipients.extend(group_pieces(kinds, known))
    return [r for r in recipients if r.raw.strip()]
