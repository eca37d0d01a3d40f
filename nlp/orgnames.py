"""Normalise organisation names so that spelling variants of one body compare equal.

`normalise` folds case, punctuation, ampersands, possessives and the common long/short forms
("Foundation Trust" / "FT", "Clinical Commissioning Group" / "CCG", "Constabulary" / "Police",
"HM Prison X" / "X Prison" / "HMP X"). `core_key` drops the generic words that every trust or
company name shares, so "Pennine Care NHS Trust" and "Pennine Care NHS Foundation Trust" meet.
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
