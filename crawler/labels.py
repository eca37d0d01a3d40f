"""The metadata labels a report page prints, every variant seen, matched by their skeleton.

A label is matched case- and punctuation-insensitively on its skeleton (see fields.label_key):
"Coroner's Area", "Coroners: Area" and "CORONERS AREA" are one label.
"""

from __future__ import annotations

import re

from crawler.fields import label_key

LABELS: dict[str, tuple[str, ...]] = {
    "date_of_report": (
        "Date of report",
        "Date of reports",
        "Date of the report",
        "Report date",
        "Date report sent",
        "Date",
    ),
    "ref": ("Ref", "Refs", "Reference", "Ref no", "Ref number", "Reference number", "Report ref"),
    "deceased_name": (
        "Deceased name",
        "Deceased names",
        "Deceased's name",
        "Deceaseds names",
        "Name of deceased",
        "Name of the deceased",
        "Names of deceased",
        "Deceased",
    ),
    "coroner_name": (
        "Coroner name",
        "Coroners name",
        "Coroner's name",
        "Coroner names",
        "Name of coroner",
        "Name of the coroner",
        "Coroner",
    ),
    "coroner_area": (
        "Coroner Area",
        "Coroner's Area",
        "Coroners Area",
        "Coroners: Area",
        "Coroner areas",
        "Area of coroner",
        "Coroner's court",
        "Area",
    ),
    "category": ("Category", "Categories", "Category of death", "Categories of death"),
    "recipients": (
        "This report is being sent to",
        "These reports are being sent to",
        "This report has been sent to",
        "These reports have been sent to",
        "This report was sent to",
        "This report is sent to",
        "This has been sent to",
        "This death is being sent to",
        "This is being sent to",
        "Report sent to",
        "Sent to",
    ),
}

# Any "This/These ... sent to" phrasing not listed above still names the recipients.
RECIPIENTS_PATTERN = re.compile(r"^(?:this|these|the)(?: [a-z]+){0,5} sent to(?= |$)")

_SKELETONS: list[tuple[str, str]] = sorted(
    ((label_key(variant), field) for field, variants in LABELS.items() for variant in variants),
    key=lambda pair: -len(pair[0]),
)
# The same, longest first, grouped by first word: a line can only start with a label whose
# first word is its own.
_BY_FIRST_WORD: dict[str, list[tuple[str, str]]] = {}
for _label, _field in _SKELETONS:
    _BY_FIRST_WORD.setdefault(_label.split(" ", 1)[0], []).append((_label, _field))


APOSTROPHES = "'\u2018\u2019`"
_APOSTROPHE_RE = re.compile(f"[{APOSTROPHES}]")
_GAP_RE = re.compile(r"[\W_]+")  # runs of characters that are not letters or digits


def _skeleton(line: str) -> str:
    """Return a line's skeleton: apostrophes dropped, other gaps one space, lower case."""
    return _GAP_RE.sub(" ", _APOSTROPHE_RE.sub("", line)).lstrip(" ").lower()


def _line_index(line: str, position: int) -> int:
    """Return the index in the line of the skeleton's character at `position`."""
    seen = -1
    gap = True  # a gap before any letter makes no skeleton character
    for i, ch in enumerate(line):
        if ch in APOSTROPHES:
            continue
        if ch.isalnum():
            seen, gap = seen + 1, False
        elif not gap:
            seen, gap = seen + 1, True
        if seen == position:
            return i
    return len(line) - 1


def _value_after(line: str, length: int) -> str:
    end = _line_index(line, length - 1) + 1
    return line[end:].lstrip(" \t:;.,-\u2013\u2014|").strip()


def match_label(line: str) -> tuple[str, str] | None:
    """Return (field, value) when the line starts with a known label, else None."""
    skeleton = _skeleton(line[:120])
    if not skeleton:
        return None
    for label, field in _BY_FIRST_WORD.get(skeleton.split(" ", 1)[0], ()):
        if skeleton == label or skeleton.startswith(label + " "):
            if label in {"date", "area", "coroner", "deceased"} and ":" not in line[:40]:
                continue  # a bare common word only counts as a label when a colon follows
            return field, _value_after(line, len(label))
    match = RECIPIENTS_PATTERN.match(skeleton)
    if match:
        return "recipients", _value_after(line, match.end())
    return None


def _variant_pattern(variant: str) -> str:
    words = [
        re.escape(w[:-1]) + "['\u2019]?s" if w.endswith("s") else re.escape(w)
        for w in label_key(variant).split()
    ]
    return r"[\s'\u2019:]*".join(words)


INLINE_LABEL_RE = re.compile(
    r"(?i)(?<![a-z])(?:"
    + "|".join(
        sorted(
            {_variant_pattern(v) for vs in LABELS.values() for v in vs if len(v) > 5 or v == "Ref"},
            key=len,
            reverse=True,
        )
    )
    + r")\s*:"
)


def split_inline(value: str) -> dict[str, str]:
    """Return the `Label: value` pairs found inside one field's value.

    Some pages pasted the whole summary block into the date field ("4 December 2013 Ref:
    2013-0324 Deceased name: ..."); the fields it holds are read from there.
    """
    marks = list(INLINE_LABEL_RE.finditer(value))
    found: dict[str, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(value)
        hit = match_label(value[mark.start() : end])
        if hit and hit[1] and hit[0] not in found:
            found[hit[0]] = hit[1]
    return found
