"""Classify a report page's document links as report | response | other by name and text.

Peers assume the first link is the report and the rest are responses; that is wrong often
enough to matter, so each link is judged on its own file name and link text, never its place.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from rapidfuzz import fuzz

from crawler.fields import REF_RE, label_key, one_line
from tracker.models import Document

RESPONSE_RE = re.compile(r"r[ea]?s?pon[sc]|repons|reply|replie|rebuttal|acknowledg", re.I)
REPORT_RE = re.compile(
    r"prevention\W*of\W*future\W*death|\bpfd\b|regulation\W*28|\breg\W*28|\breport\b", re.I
)
ORG_WORDS = frozenset(
    """nhs trust trusts council department dhsc cqc police ambulance ccg icb board agency ltd
    limited plc society college service services ministry secretary office authority
    commission university hospital hospitals foundation government constabulary partnership
    group association mhra nice hse network institute federation company care health
    england wales uk britain royal national railway rail highways dvla ofsted prison
    prisons probation county borough city district corporation bank""".split()
)
NOISE_WORDS = frozenset(
    """redacted redact published publish final amended amend copy version v pdf docx doc
    signed letter from by to the of and response responses reply r""".split()
)
OTHER_RE = re.compile(
    r"annex|appendix|appendices|action\W*plan|accompanying|enclosure|covering\W*letter", re.I
)
LETTER_FROM_RE = re.compile(r"letter\W*from", re.I)
RESPONSE_WORD = r"(?:re?sp[oa]?[nm]ses?|reponses?|reply|replies)"
NAME_NOISE = frozenset({"redacted", "published", "amended", "final", "pdf"})
NAME_SIMILARITY = 80
FROM_ORG_RE = re.compile(
    rf"(?:{RESPONSE_WORD}|letter)\b.*?[\s_-](?:from|by)[\s_-]+(?P<org>.+)$", re.I
)
AFTER_WORD_RE = re.compile(rf"(?:{RESPONSE_WORD}|letter)[\s_-]+(?P<org>.+)$", re.I)
TRAILING_NOISE_RE = re.compile(
    r"(?:[\s_-]+(?:redacted|published|final|amended|signed|v\d+|\d{1,2}))+[\s_-]*$", re.I
)


def file_name(url: str) -> str:
    """Return the unquoted last path segment of a URL."""
    return unquote(PurePosixPath(urlsplit(url).path).name)


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def _humanise(fragment: str) -> str:
    """Turn a file-name fragment such as `Barts-Health-NHS-Trust_Redacted` into words."""
    words = re.sub(r"[-_+]+", " ", fragment)
    words = re.sub(rf"(?i)\b{RESPONSE_WORD}\b(?:\s+(?:from|by|to))?", " ", words)
    text = one_line(words).strip(" .,")
    return TRAILING_NOISE_RE.sub("", text).strip(" .,")


def _ref_tail(stem: str, ref: str | None) -> tuple[str, str] | None:
    """Return (before, after) around the page's ref (or the first ref-like token) in a stem."""
    matches = list(REF_RE.finditer(stem))
    if not matches:
        return None
    own = [m for m in matches if ref and ref[:4] == m.group(1)[:4] and ref[5:9] in m.group(2)]
    match = (own or matches)[0]
    return stem[: match.start()], stem[match.end() :]


def _has_org_words(text: str) -> bool:
    return any(word in ORG_WORDS for word in label_key(text).split())


def _meaningful(text: str) -> bool:
    words = label_key(text).split()
    return any(w not in NOISE_WORDS and not w.isdigit() and len(w) > 1 for w in words)


def _org_from(text: str) -> str:
    """Return the organisation after "Response from/by" or after a response word, or ""."""
    for pattern in (FROM_ORG_RE, AFTER_WORD_RE):
        match = pattern.search(text)
        if match and _meaningful(match.group("org")):
            return _humanise(match.group("org"))
    return ""


def org_hint(url: str, link_text: str = "", ref: str | None = None) -> str:
    """Return the organisation a response's file name (or, failing that, link text) names."""
    stem = _stem(file_name(url))
    found = _org_from(stem)
    if found:
        return found
    parts = _ref_tail(stem, ref)
    if parts and _meaningful(parts[1]):
        return _humanise(parts[1])
    before = RESPONSE_RE.split(stem, maxsplit=1)[0]
    if before != stem and _has_org_words(_humanise(before)):
        return _humanise(before)
    text = re.sub(r"\((?:pdf|docx?)[^)]*\)", "", one_line(link_text), flags=re.I)
    found = _org_from(text)
    if found:
        return found
    stripped = re.sub(rf"(?i)\b{RESPONSE_WORD}\b.*$", "", text).strip(" -\u2013:,")
    return stripped if _has_org_words(stripped) else ""


def _words(text: str) -> list[str]:
    """Return lower-case alphabetic words of two letters or more; apostrophes vanish."""
    text = re.sub(r"['\u2019`]", "", text.lower())
    return [w for w in re.split(r"[^a-z]+", text) if len(w) > 1]


def _name_words(words: list[str], deceased: str) -> set[str]:
    """Return the words that spell (or nearly spell, `Gary` for `Garry`) the deceased's name."""
    names = _words(deceased)
    return {w for w in words if any(fuzz.ratio(w, n) >= NAME_SIMILARITY for n in names)}


def _is_name_only(stem: str, deceased: str) -> bool:
    """Tell whether a file is named only after the deceased (old reports: `Surname-2015-0202a`)."""
    words = [w for w in _words(stem) if w not in NAME_NOISE]
    return bool(words) and set(words) <= _name_words(words, deceased)


def _org_after_ref(stem: str, ref: str | None, deceased: str) -> bool:
    """Tell whether words other than the deceased's name follow the ref (`2019-0255-NHS-Trust`)."""
    parts = _ref_tail(stem, ref)
    if parts is None:
        return False
    words = [w for w in _words(parts[1]) if w not in NOISE_WORDS]
    return bool(set(words) - _name_words(words, deceased))


def classify_with_evidence(
    url: str, link_text: str = "", ref: str | None = None, deceased: str = "", button: bool = False
) -> tuple[str, str]:
    """Return (kind, evidence) for one document link; evidence "fallback" means a guess.

    Order of evidence: a response word in the name or text; a report phrase; an annex-like
    word; an organisation after the ref or anywhere in the name; the report button; a file
    named only after the deceased (old reports, whatever letter follows the ref). A trailing
    `R` (`Elsie-ClarkeR.pdf`) means redacted. What is left is guessed a response: most
    unlabelled extra links on a report page are replies.
    """
    stem = re.sub(r"(?<=[a-z])R$", "", _stem(file_name(url)))
    text = one_line(link_text)
    if RESPONSE_RE.search(stem) or RESPONSE_RE.search(text) or LETTER_FROM_RE.search(stem):
        return "response", "marker"
    if REPORT_RE.search(stem.replace("_", " ")) or REPORT_RE.search(text):
        return "report", "marker"
    if OTHER_RE.search(stem) or OTHER_RE.search(text):
        return "other", "marker"
    if _org_after_ref(stem, ref, deceased) or _has_org_words(_humanise(stem)):
        return "response", "organisation"
    if button:
        return "report", "button"
    if _is_name_only(stem, deceased):
        return "report", "name"
    return "response", "fallback"


def classify_document(
    url: str, link_text: str = "", ref: str | None = None, deceased: str = "", button: bool = False
) -> str:
    """Return report | response | other for one document link (see classify_with_evidence)."""
    return classify_with_evidence(url, link_text, ref, deceased, button)[0]


def _plainness(name: str, ref: str | None) -> tuple[bool, int]:
    """Rank a file named after the deceased: no letter or digit glued to the ref, then shortest."""
    stem = re.sub(r"(?i)[-_ ]*(?:redacted|published)[-_ ]*", "", _stem(name))
    match = REF_RE.search(stem)
    extra = False
    if match:
        own_suffix = (ref or "")[9:]
        extra = len(match.group(2)) > 4 or (match.group(3) or "").upper() != own_suffix
    return extra, len(stem)


def classify_page_documents(
    docs: list[Document], ref: str | None, deceased: str, buttons: set[str]
) -> None:
    """Set the kind and org_hint of every document linked from one report page.

    Page-level rules, still blind to link order: when a report is already known (a report
    phrase or the button), further files named only after the deceased (`Surname-2014-0412a`)
    are follow-ups, i.e. responses; when several such files are all there is, the plainest
    name is the report. A page with no report at all makes its one unexplained file the report.
    """
    evidence = {}
    for doc in docs:
        doc.kind, evidence[doc.id] = classify_with_evidence(
            doc.url, doc.link_text, ref, deceased, doc.url in buttons
        )
    named = [d for d in docs if evidence[d.id] == "name"]
    if any(d.kind == "report" and evidence[d.id] != "name" for d in docs):
        for doc in named:
            doc.kind = "response"
    elif len(named) > 1:
        keep = min(named, key=lambda d: _plainness(d.file_name, ref))
        for doc in named:
            doc.kind = "report" if doc is keep else "response"
    guesses = [d for d in docs if evidence[d.id] == "fallback"]
    if guesses and not any(d.kind == "report" for d in docs):
        if len(guesses) > 1 and ref:
            guesses = [d for d in guesses if ref[:9] in d.file_name]
        if len(guesses) == 1:
            guesses[0].kind = "report"
    for doc in docs:
        doc.org_hint = org_hint(doc.url, doc.link_text, ref) if doc.kind == "response" else ""
