"""Normalise organisation names so that spelling variants of one body compare equal.

`normalise` folds case, punctuation, ampersands, possessives and the common long/short forms
("Foundation Trust" / "FT", "Clinical Commissioning Group" / "CCG", "Constabulary" / "Police",
"HM Prison X" / "X Prison" / "HMP X"). `core_key` drops the generic words that every trust or
company name shares, so "Pennine Care NHS Trust" and "Pennine Care NHS Foundation Trust" meet.
The word lists (VAGUE, FILLER, TYPE_WORDS) and the small helpers built on them say which words
of a name tell one body from another of its kind; `role_portfolio` reads a minister's title.
"""

from __future__ import annotations

import re
import unicodedata

TOKEN_SYNONYMS = {
    "saint": "st",
    "center": "centre",
    "centres": "centre",
    "limited": "ltd",
    "hosp": "hospital",
    "hosps": "hospitals",
    "univ": "university",
    "dept": "department",
    "govt": "government",
    "constabulary": "police",
    "organization": "organisation",
    "paediatric": "paediatric",
    "pediatric": "paediatric",
    "nhsft": "nhs ft",
    "nhst": "nhs trust",
    "gynaecology": "gynaecologists",
    "obstetrics": "obstetricians",
    "wilshire": "wiltshire",
    "sos": "secretary of state",
    "ph": "public health",
    "yorks": "yorkshire",
    "lancs": "lancashire",
    "herts": "hertfordshire",
    "notts": "nottinghamshire",
    "glos": "gloucestershire",
    "wilts": "wiltshire",
    "worcs": "worcestershire",
    "beds": "bedfordshire",
    "bucks": "buckinghamshire",
    "cambs": "cambridgeshire",
    "hants": "hampshire",
    "staffs": "staffordshire",
    "leics": "leicestershire",
    "northants": "northamptonshire",
    "oxon": "oxfordshire",
    "derbys": "derbyshire",
    "sw": "south west",
    "se": "south east",
    "nw": "north west",
}
PHRASES = (
    (r"\bclinical commissioning groups?\b", "ccg"),
    (r"\bccgs\b", "ccg"),
    (r"\bintegrated care boards?\b", "icb"),
    (r"\bfoundation trust\b", "ft"),
    (r"\bfoundation nhs trust\b", "nhs ft"),
    (r"\bnhs foundation\b(?! trust)", "nhs ft"),
    (r"\bpolice (service|force)\b(?! of| for)", "police"),
    (r"\bpolice police\b", "police"),
    (r"\b(hm|her majestys|his majestys) prison and young offender institution\b", "hmp"),
    (r"\b(hm|her majestys|his majestys) (prison|young offender institution)\b", "hmp"),
    (r"\bhmp and yoi\b|\bhmp yoi\b|\bhmpyoi\b|\bhmyoi\b|\bhmp and hmyoi\b", "hmp"),
    (r"\bsecretary of state for (the )?department (of|for)\b", "secretary of state for"),
    (r"\bdepartment of health and social care\b", "department of health and social care"),
    (r"\bdepartment for health and social care\b", "department of health and social care"),
)
PRISON_SUFFIX = re.compile(r"^(?!hmp )(?P<name>[a-z ]{3,30}?) prison$")
NON_PRISON = re.compile(r"\b(service|officers|association|ombudsman|reform|trust|healthcare)\b")
GENERIC = frozenset("nhs ft trust the of and for ltd plc llp uk".split())
NOT_A_NAME = re.compile(
    r"\b(team|directorate|resources|affairs|review|panel|unit|department|managers?|head|"
    r"counsellor|lead|officers?|nurses?|directors?|chief|executive|listed|redacted|suicide|alcohol|"
    r"drugs?|stroke|deaths?|related|safety|standards|health|mental|response|policy|"
    r"commissioning|safeguarding|planning|highways?|social|communities|services?|"
    r"england|wales|scotland|britain|london|north|south|east|west|central|local|regional|"
    r"national|public|community|recovery|support|care|medical|clinical|legal|quality)\b"
)
VAGUE = frozenset(
    """health care mental community services service partnership university hospital hospitals
    teaching healthcare county city royal general district integrated local board national
    commission agency authority office department group company association society the""".split()
)
FILLER = frozenset(
    """north south east west central northern southern eastern western midlands region regional
    department directorate office unit division service services headquarters hq the of and in
    at for to by uk national local area areas branch complaints patient safety
    policy investigations nhs trust ft foundation ltd plc legal""".split()
)
TYPE_WORDS = frozenset(
    """fire rescue police council county borough city district metropolitan board hospital
    hospitals university health care ambulance service services prison hmp department ministry
    college agency authority commission icb ccg community mental partnership teaching""".split()
)
SUBTYPE_FAMILY = {
    "acute": "acute",
    "specialist": "acute",
    "ambulance": "ambulance",
    "mental_health": "mh",
    "mental_health_and_community": "mh",
    "community": "mh",
}
TYPE_HINTS = (
    (re.compile(r"^university of\b|\buniversity$"), "university"),
    (re.compile(r"\b(council|borough|cyngor)\b"), "local_authority"),
    (re.compile(r"\bhmp\b"), "prison"),
    (re.compile(r"\b(trust|ft)\b"), "nhs_trust"),
    (re.compile(r"\bccg\b"), "ccg"),
    (re.compile(r"\bicb\b"), "icb"),
    (re.compile(r"\bpolice\b"), "police"),
    (re.compile(r"\bhealth board\b"), "health_board"),
)

ROLE = re.compile(
    r"^(parliamentary )?(under )?(minister|secretary of state)( of state)?( for| of)?\b"
)
AREA_STOP = frozenset(
    """and the of city county borough district north south east west central mid inner outer
    greater coroner coroners area isle isles upon on in jurisdiction""".split()
)


def normalise(text: str) -> str:
    """Return a lower-case, punctuation-free form of an organisation name for comparison."""
    s = unicodedata.normalize("NFKC", text or "")
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    s = re.sub(r"\b((?:[A-Za-z]\.){2,}[A-Za-z]?)(?=\W|$)", lambda m: m.group(1).replace(".", ""), s)
    s = s.lower()
    s = re.sub(r"(\w)'s\b", r"\1s", s)
    s = re.sub(r"(\w)s'(?=\s|$)", r"\1s", s)
    s = s.replace("'", "").replace("&", " and ").replace("+", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    s = " ".join(TOKEN_SYNONYMS.get(tok, tok) for tok in s.split())
    for pattern, repl in PHRASES:
        s = re.sub(pattern, repl, s)
    s = re.sub(r"^the ", "", s)
    match = PRISON_SUFFIX.match(s)
    if match and not NON_PRISON.search(s):
        s = "hmp " + match.group("name")
    return re.sub(r"\s+", " ", s).strip()


def core_key(normalised: str) -> str:
    """Drop the generic words ("NHS", "Foundation Trust", "Ltd") from a normalised name."""
    return " ".join(tok for tok in normalised.split() if tok not in GENERIC)


def tokens(normalised: str) -> list[str]:
    """Split a normalised name into its words."""
    return normalised.split()


def is_abbreviation(text: str) -> bool:
    """Tell whether a raw string looks like an acronym such as "CQC" or "SECAmb"."""
    stripped = text.strip().strip(".")
    return (
        2 <= len(stripped) <= 8
        and " " not in stripped
        and sum(ch.isupper() for ch in stripped) >= 2
        and stripped[0].isupper()
    )


def area_words(area: str) -> frozenset[str]:
    """Return the place words of a coroner area ("Cornwall and the Isles of Scilly")."""
    return frozenset(w for w in normalise(area).split() if w not in AREA_STOP and len(w) > 2)


def near_acronym(text: str, known: str) -> bool:
    """Tell whether an acronym is a known one with letters swapped or one letter added."""
    if len(known) < 4 or text == known:
        return False
    if len(text) == len(known):
        return sorted(text) == sorted(known)
    return len(text) == len(known) + 1 and any(
        text[:i] + text[i + 1 :] == known for i in range(len(text))
    )


def looks_like_company(text: str) -> bool:
    """Tell whether unmatched text reads as a proper name rather than a role, unit or topic.

    Named bodies that are neither in the register nor typed by a rule are most often private
    companies (manufacturers, retailers, operators), so they get 'company' with a low score.
    """
    words = text.split()
    if not words or len(words) > 6 or not (words[0][:1].isupper() or words[0][:1].isdigit()):
        return False
    if len(words) == 1 and words[0].isupper() and len(words[0]) <= 5:
        return False  # an unknown acronym ("EFAS") says nothing about the body
    return not NOT_A_NAME.search(normalise(text))


def role_portfolio(normalised: str) -> frozenset[str] | None:
    """Return the portfolio words of a minister's title ("crime policing"), None if no title."""
    found = ROLE.match(normalised)
    if found is None:
        return None
    return frozenset(core_key(normalised[found.end() :]).split()) - {"state"}


def type_hint(key: str) -> str | None:
    """Return the org_type a name's own words announce ("... NHS Trust", "... CCG"), if any."""
    for regex, org_type in TYPE_HINTS:
        if regex.search(key):
            return org_type
    return None


def name_words(normalised: str) -> str:
    """Return the words that tell one body from another of its kind ("lincolnshire")."""
    core = core_key(normalised)
    words = [w for w in core.split() if w not in TYPE_WORDS]
    return " ".join(words) if words else core


def stem_set(normalised: str) -> frozenset[str]:
    """Return the distinctive words of a name, plural "s" dropped ("hospitals" = "hospital")."""
    return frozenset(
        w[:-1] if len(w) > 4 and w.endswith("s") else w for w in core_key(normalised).split()
    )


def own_words(normalised: str) -> frozenset[str]:
    """Return the words that name a body apart from its kind ("east lancashire", "foreign")."""
    drop = VAGUE | TYPE_WORDS | {"affair"}
    return frozenset(w for w in stem_set(normalised) if w not in drop and w + "s" not in drop)


def subtype_fits(wanted: str | None, subtype: str | None) -> bool:
    """Tell whether a trust's subtype agrees with the one a name's wording suggests."""
    return wanted is None or SUBTYPE_FAMILY.get(wanted) == SUBTYPE_FAMILY.get(subtype or "")


def portfolio_fits(key: str, choice: str) -> bool:
    """Tell whether two names either hold no minister's title or name the same portfolio."""
    mine, theirs = role_portfolio(key), role_portfolio(choice)
    if mine is None and theirs is None:
        return True
    return bool(mine and theirs) and (mine <= theirs or theirs <= mine)
