"""File names of the site's documents: what kind each is, whom it is from, how it is linked."""

from __future__ import annotations

import random
import re

RESPONSE_RE = re.compile(r"(?i)re?sp[oa]?[nm]se|reponse|reply|replies")
REPORT_RE = re.compile(r"(?i)prevention-of-future-deaths?-report|pfd-report|further-report|-report")
OTHER_RE = re.compile(r"(?i)annex|appendix|action-plan|accompanying|enclosure|covering-letter")
TAIL_RE = re.compile(r"(?i)(?:[-_ ](?:redacted|published|r|\d{1,2}|[a-c])|[-_ ]+)$")


def file_stem(name: str) -> str:
    """Drop the extension and trailing _Redacted/_Published/-1 style suffixes."""
    stem = re.sub(r"\.[A-Za-z0-9]{2,4}$", "", name)
    stem = re.sub(r"(?<=[a-z])R$", "", stem)  # old pages: `Elsie-ClarkeR.pdf` = redacted
    while True:
        shorter = TAIL_RE.sub("", stem)
        if shorter == stem:
            return stem
        stem = shorter


def name_tokens(deceased: str) -> set[str]:
    """Return the lower-case word tokens of a person's name."""
    return {t for t in re.split(r"[^a-z]+", deceased.lower()) if len(t) > 1}


def classify_file_name(name: str, deceased: str, is_main_pdf: bool) -> str:
    """Return report | response | other for a document, from its file name alone."""
    stem = file_stem(name)
    if RESPONSE_RE.search(stem) or re.search(r"(?i)letter-from", stem):
        return "response"
    if REPORT_RE.search(stem):
        return "report"
    if OTHER_RE.search(stem):
        return "other"
    words = {t for t in re.split(r"[^a-z]+", stem.lower()) if len(t) > 1}
    if words and words <= name_tokens(deceased) | {"redacted", "published"}:
        return "report"
    return "report" if is_main_pdf else "response"


FROM_ORG_RE = re.compile(
    r"(?i)(?:re?sp[oa]?[nm]ses?|reponses?|repl(?:y|ies)|letters?)[-_ ]+(?:from|by)[-_ ]+(.+)"
)
# "Response-letter-1" names no organisation; "Response-Kent-Police" names one.
LEADING_REPLY_RE = re.compile(
    r"(?i)^(?:responses?|repl(?:y|ies))(?:[-_ ]*letter)?[-_ ]*\d*$"
    r"|^(?:responses?|repl(?:y|ies))[-_ ]*"
)


def org_from_file_name(name: str, deceased: str = "") -> str:
    """Return the organisation a response's file name names ("" when it names none)."""
    stem = file_stem(name)
    m = FROM_ORG_RE.search(stem)
    if m:
        rest = m.group(1)
    else:
        m = re.search(r"\d{4}[-_ ]?\d{2,5}[A-Za-z]?[-_ ]+(.+)", stem)
        rest = m.group(1) if m else ""
        rest = LEADING_REPLY_RE.sub("", rest)
    words = [w for w in re.split(r"[-_ ]+", rest) if w]
    tokens = name_tokens(deceased)
    while words and words[0].lower() in tokens:
        words.pop(0)
    while words and RESPONSE_RE.fullmatch(words[-1]):
        words.pop()
    org = " ".join(words)
    return "" if RESPONSE_RE.fullmatch(org or "x") else org


def hyphenate(text: str) -> str:
    """Turn a name into a file-name fragment: words joined by hyphens, no punctuation."""
    return "-".join(re.findall(r"[A-Za-z0-9]+", text.replace("'", "").replace("\u2019", "")))


def response_file_name(ref: str, org: str, rng: random.Random) -> str:
    """Return a response name: `<ref>-Response-from-<Org>.pdf` or `-Response-by-<Org>.pdf`."""
    word = rng.choice(["from", "by"])
    ref_part = f"{ref}-" if ref else ""
    org_part = f"-{word}-{hyphenate(org)}" if org else ""
    tail = "_Redacted" if rng.random() < 0.15 else ""
    return f"{ref_part}Response{org_part}{tail}.pdf"


def link_text(name: str, kind: str, org: str, deceased: str, rng: random.Random, odd: bool) -> str:
    """Return the text of a document link; with `odd`, text that is not the file name."""
    stem = re.sub(r"\.[A-Za-z0-9]{2,4}$", "", name)
    if not odd:
        return stem.replace("-", " ").replace("_", " ")
    if kind == "report":
        return rng.choice(
            ["Prevention of future deaths report", f"{deceased} report", "Download the report"]
        )
    if kind == "response" and org:
        return rng.choice([f"Response from {org}", f"{org} reply", f"Reply from {org}"])
    return rng.choice(["Response", "Letter", "Further correspondence"])
