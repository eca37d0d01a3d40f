"""Classify a report page's document links as report | response | other by name and text.

Peers assume the first link is the report and the rest are responses; that is wrong often
enough to matter, so each link is judged on its own file name and link text, never its place.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

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
NAME_NOISE = frozenset({"redacted", "published"})
FROM_ORG_RE = re.compile(
    rf"(?:{RESPONSE_WORD}|letter)\b.*?[\s_-](?:from|by)[\s_-]+(?P<org>.+)$", re.I
)
AFTER_WORD_RE = re.compile(rf"(?:{RESPONSE_WORD}|letter)[\s_-]+(?P<org>.+)$", re.I)
TRAILING_NOISE_RE = re.compile(
    r"(?:[\s_-]+(?:redacted|published|final|amended|signed|r|v\d+|\d{1,2}))+[\s_-]*$", re.I
)


def file_name(url: str) -> str:
    """Return the unquoted last path segment of a URL."""
    return unquote(PurePosixPath(urlsplit(url).path).name)


def _stem(name: str) -> str:
    """Drop a document extension (`.pdf`, `.docx` ...), keeping dots inside `N.I.C.E`."""
    return re.sub(r"(?i)\.(?:pdf|docx?|odt|rtf|txt)$", "", name)


def _humanise(fragment: str) -> str:
    """Turn a file-name fragment such as `Barts-Health-NHS-Trust_Redacted` into words."""
    words = re.sub(r"[-_+]+", " ", fragment)
    words = re.sub(rf"(?i)(?<![a-z]){RESPONSE_WORD}(?![a-z])(?:\s+(?:from|by|to))?", " ", words)
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
    """Tell whether text holds a real word: not only noise, digits, or single letters."""
    text = re.sub(r"(?<![A-Za-z])([A-Za-z])\.(?=[A-Za-z](?![A-Za-z]))", r"\1", text)  # N.I.C.E
    words = label_key(_humanise(text)).split()
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
    """Return the words that are words of the deceased's name (spelt as the page spells it)."""
    return set(words) & set(_words(deceased))


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


def _marker_kind(text: str) -> str | None:
    """Return the kind a response, report or annex word in the text names, if any."""
    if RESPONSE_RE.search(text) or LETTER_FROM_RE.search(text):
        return "response"
    if REPORT_RE.search(text):
        return "report"
    if OTHER_RE.search(text):
        return "other"
    return None


def classify_with_evidence(
    url: str, link_text: str = "", ref: str | None = None, deceased: str = "", button: bool = False
) -> tuple[str, str]:
    """Return (kind, evidence) for one document link; evidence "fallback" means a guess.

    Order of evidence: a response word, a report phrase or an annex-like word, in the file name
    and then in the link text; an organisation after the ref or in the name; the button; a file
    named only after the deceased (old reports, whatever letter follows the ref). A trailing
    `R` (`Elsie-ClarkeR.pdf`) means redacted. What is left is guessed a response: most
    unlabelled extra links on a report page are replies.
    """
    stem = re.sub(r"(?<=[a-z])R$", "", _stem(file_name(url)))
    text = one_line(link_text)
    for source in (stem.replace("_", " "), text):  # the file name first, then the link text
        marked = _marker_kind(source)
        if marked:
            return marked, "marker"
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


def classify_page_documents(
    docs: list[Document], ref: str | None, deceased: str, buttons: set[str]
) -> None:
    """Set the kind and org_hint of every document linked from one report page.

    Each link is judged on its own name and text (see classify_with_evidence); files named
    only after the deceased are reports, even several on one page (`Surname-2014-0412a` may be
    an amended or second report: the site does not say). The one page-level rule, still blind
    to link order: a page with no report at all makes its one unexplained file the report.
    """
    evidence = {}
    for doc in docs:
        doc.kind, evidence[doc.id] = classify_with_evidence(
            doc.url, doc.link_text, ref, deceased, doc.url in buttons
        )
    guesses = [d for d in docs if evidence[d.id] == "fallback"]
    if guesses and not any(d.kind == "report" for d in docs):
        if len(guesses) > 1 and ref:
            guesses = [d for d in guesses if ref[:9] in d.file_name]
        if len(guesses) == 1:
            guesses[0].kind = "report"
    for doc in docs:
        doc.org_hint = org_hint(doc.url, doc.link_text, ref) if doc.kind == "response" else ""
