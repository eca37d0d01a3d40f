"""Facts read from a report's sections: coroner, conclusion, cause of death, deadline, concerns.

Pure functions over section text; nlp.extract stores what they return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil import parser as dateparser

ROLE = (
    r"(?:H\.?M\.?\s+|His\s+Majesty'?s\s+|Her\s+Majesty'?s\s+)?(?:acting\s+|interim\s+)?"
    r"(?:senior|area|assistant|deputy|acting)?\s*coroner"
)
CORONER_AREA = re.compile(
    r"\bI\s+am\s+(?P<who>.+?)\s*,?\s+(?:for|of|in)\s+(?:the\s+)?(?:coroner(?:['’]?s)?\s+)?"
    r"area\s+of\s+(?:the\s+)?(?P<area>.+?)\s*(?:\.\s|\.?$|,\s+and\s|;)",
    re.I,
)
CORONER_FOR = re.compile(
    rf"\bI\s+am\s+(?P<who>.+?{ROLE})\s*,?\s+(?:for|of|in)\s+(?:the\s+)?(?:county\s+of\s+)?"
    r"(?P<area>[^.;]+?)\s*(?:\.\s|\.?$|;)",
    re.I,
)
TRAILING_ROLE = re.compile(rf",?\s*\b{ROLE}\b.*$", re.I)
DEADLINE = re.compile(
    r"namely\s+(?:by|on|before)\s+(?:the\s+)?(?P<raw>[^.;\n]{3,40}?)\s*(?:[.;]|,?\s+I,?\s|$)", re.I
)
CAUSE_LABELS = (
    ("1a", r"(?:1\s?(?:\(\s?a\s?\)|a\)?)|[Il](?:\(a\)|a\)?))"),
    ("1b", r"(?:1\s?(?:\(\s?b\s?\)|b\)?)|[Il](?:\(b\)|b\)?))"),
    ("1c", r"(?:1\s?(?:\(\s?c\s?\)|c\)?)|[Il](?:\(c\)|c\)?))"),
    ("1d", r"(?:1\s?(?:\(\s?d\s?\)|d\)?)|[Il](?:\(d\)|d\)?))"),
    ("2", r"(?:2|II)\)?"),
)
CAUSE_END = re.compile(
    r"(?:\.\s+[A-Z]|\s(?i:and\s+)?(?i:the\s+conclusion)|\n\s*\n(?!\s*(?:[1Il]\s?\(?[b-d]|2\s|II\s))"
    r"|\s(?:The|At the end|I recorded)\s)"
)
CONCLUSION_PATTERNS = (
    re.compile(
        r"conclusion(?:\s+of\s+the\s+(?:inquest|jury|court))?(?:\s+as\s+to\s+the\s+death)?"
        r"\s+(?:was|is|being|recorded\s+was)\s*:?\s*(?:that\s*:?\s*)?(?P<c>[^.]{3,300})",
        re.I,
    ),
    re.compile(
        r"(?:recorded|returned|reached|found|gave|delivered|concluded\s+with)\s+(?:a|an)\s+"
        r"(?P<c>[\w\s-]{0,40}?conclusion\b(?:\s*:\s*[^.:]{3,160}(?=\.|$))?)",
        re.I,
    ),
    re.compile(
        r"conclusion\s+of\s+(?!the\s+(?:inquest|jury|court|investigation)\b)"
        r"(?P<c>[A-Za-z][^.,;]{2,80})",
        re.I,
    ),
    re.compile(r"conclusions?\s*:\s*(?P<c>[^.\n]{3,200})", re.I),
)
INTRO_END = re.compile(
    r"matters?\s+of\s+concerns?\s+(?:is|are)\s+(?:as\s+)?follows?\s*[.:;,]*\s*[-–—]?\s*", re.I
)
TEMPLATE_NOTE = re.compile(r"\(?\[?brief summary of matters of concern\]?\)?", re.I)
ADDRESS_LINE = re.compile(
    r"^\s*(?:\d+[A-Za-z]?\s+\w+.*\b(?:street|road|lane|avenue|way|place|square|court|drive|"
    r"house|park|close|crescent|terrace|row|hill|gardens?)\b|p\.?\s*o\.?\s+box\b|"
    r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b)",
    re.I,
)
ITEM_NUMBER = re.compile(
    r"^\s*\(?(?P<n>\d{1,2}|[IlivxIVX]{1,4}|[a-z])\s*[.):]\s*|^\s*(?P<bare>\d{1,2})\s+(?=[A-Z])"
)
BULLET = re.compile(r"^\s*[•●▪◦\-–*\uf0b7]\s+")


@dataclass(slots=True)
class ReportFacts:
    """What a report says about itself, beyond its section text."""

    coroner_name: str = ""
    coroner_area: str = ""
    conclusion: str = ""
    cause_of_death: str = ""
    response_deadline: str | None = None
    response_deadline_raw: str = ""
    recipients: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)


def flat(text: str) -> str:
    """Collapse all whitespace to single spaces."""
    return re.sub(r"\s+", " ", text or "").strip()


def parse_coroner(section: str) -> tuple[str, str]:
    """Return (name, area) from 'I am NAME, senior coroner, for the coroner area of AREA'."""
    text = re.sub(r"(?:(?<=\s)|^)[|l1](?=\s+am\b)", "I", flat(section))  # OCR reads "I" as "|"
    match = CORONER_AREA.search(text) or CORONER_FOR.search(text)
    if not match:
        return "", ""
    return clean_name(match.group("who")), clean_area(match.group("area"))


def clean_name(who: str) -> str:
    """Drop the role and post-nominals from 'Dr X Y, LLM, Area Coroner'."""
    name = TRAILING_ROLE.sub("", who).strip(" ,")
    parts = [p.strip() for p in name.split(",") if p.strip()]
    if len(parts) > 1 and all(re.fullmatch(r"[A-Z.()]{2,8}|OBE|MBE|KC|QC", p) for p in parts[1:]):
        parts = parts[:1]
    return ", ".join(parts)[:120]


def clean_area(area: str) -> str:
    """Trim an area name to the name itself."""
    area = re.sub(r"\s+", " ", area).strip(" ,.:;")
    return area[:120]


def parse_deadline(section: str) -> tuple[str | None, str]:
    """Return (ISO date, raw text) of 'within 56 days ..., namely by [DATE]'."""
    match = DEADLINE.search(flat(section))
    if not match:
        return None, ""
    raw = match.group("raw").strip(" ,")
    return parse_date(raw), raw


def parse_date(raw: str) -> str | None:
    """Parse a day-first date as written in a report ('16th June 2023', '22/05/2024')."""
    text = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", raw, flags=re.I)
    text = re.sub(r"\s*([./-])\s*", r"\1", text).strip(" ,.")
    if not re.search(r"\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}\b", text):
        return None
    try:
        value = dateparser.parse(text, dayfirst=True, default=datetime(1900, 1, 1), fuzzy=True)
    except (ValueError, OverflowError):
        return None
    if not 2000 <= value.year <= 2100:
        return None
    return date(value.year, value.month, value.day).isoformat()


def cause_label(label: str) -> re.Pattern:
    """Compile the regex for one cause-of-death label (1a, 1b, 1c, 1d, 2) at a word start."""
    return re.compile(rf"(?<![\w(]){label}[.:]?(?=\s|[A-Z])")


def parse_cause(section: str) -> str:
    """Return the medical cause of death ('1a ...; 1b ...; 2 ...') from the investigation."""
    text = section or ""
    first = cause_label(CAUSE_LABELS[0][1]).search(text)
    if first:
        return cause_from(text[first.start() :])
    pattern = r"(?:medical\s+)?cause\s+of\s+death\s+(?:was|is|being|:)\s*:?\s*(?P<c>[^.\n]{3,200})"
    match = re.search(pattern, text, re.I)
    return flat(match.group("c")) if match else ""


def cause_from(text: str) -> str:
    """Collect the 1a/1b/1c/2 parts of a cause of death that starts the text, in order."""
    end = CAUSE_END.search(text)
    block = text[: end.start() + 1] if end else text
    block = block[:600]
    found: list[tuple[str, int, int]] = []
    pos = 0
    for key, label in CAUSE_LABELS:
        match = cause_label(label).search(block, pos)
        if match and (not found or match.start() > found[-1][2]):
            found.append((key, match.start(), match.end()))
            pos = match.end()
    parts = []
    for i, (key, _, stop) in enumerate(found):
        nxt = found[i + 1][1] if i + 1 < len(found) else len(block)
        value = flat(block[stop:nxt]).strip(" .:;,)-")
        if value:
            parts.append(f"{key} {value}")
    return "; ".join(parts)[:400]


def parse_conclusion(section: str) -> str:
    """Return the inquest's conclusion as written ('narrative conclusion', 'Suicide')."""
    text = flat(section)
    for pattern in CONCLUSION_PATTERNS:
        for start in (
            m.start()
            for m in re.finditer(
                r"(?i)\b(?:conclu|recorded|returned|reached|found|gave|delivered)", text
            )
        ):
            match = pattern.match(text, start)
            if not match:
                continue
            found = match.group("c").strip(" :;,'\"‘’“”")
            bare = found.lower() in ("conclusion", "a conclusion", "the conclusion")
            if bare or re.match(r"(?:the\s+)?(?:medical\s+)?cause\s+of\s+death", found, re.I):
                continue
            found = re.sub(r"^(?:a|an|one\s+of)\s+", "", found, flags=re.I)
            found = re.split(r"\s+and\s+(?:found|that)\b|:\s*(?:\(?\d|$)", found)[0]
            return found.strip(" :;,")[:300]
    return ""


def parse_recipients(section: str) -> list[str]:
    """Split 'THIS REPORT IS BEING SENT TO' into one entry per recipient, addresses dropped."""
    items: list[list[str]] = []
    for line in (section or "").split("\n"):
        stripped = line.strip()
        number = re.match(r"^\(?(\d{1,2})[.):]?\s+", stripped)
        bullet = re.match(r"^[•\-–]\s+", stripped)
        if not stripped:
            continue
        if number and int(number.group(1)) == len(items) + 1:
            items.append([stripped[number.end() :]])
        elif bullet:
            items.append([stripped[bullet.end() :]])
        elif not items:
            items.append([stripped])
        else:
            items[-1].append(stripped)
    return [r for r in (recipient_text(lines) for lines in items) if r]


def recipient_text(lines: list[str]) -> str:
    """Join one recipient's lines, stopping at the first line of a postal address."""
    kept = []
    for line in lines:
        if ADDRESS_LINE.match(line):
            break
        kept.append(line.strip())
    return flat(" ".join(kept)).strip(" ,;.:")


def concerns_body(section: str) -> str:
    """Return the concerns after the standard 'MATTERS OF CONCERN are as follows' preamble."""
    text = TEMPLATE_NOTE.sub("", section or "")
    match = INTRO_END.search(text)
    if match:
        return text[match.end() :].strip()
    intro = re.compile(
        r"^\s*During the course of .{0,400}?(?:report to you|Regulations 2013)\.?\s*", re.I | re.S
    )
    return intro.sub("", text).strip()


def marker_value(line: str) -> tuple[str, str] | None:
    """Return (family, value) of a list marker starting a line: ('num', '3'), ('roman', 'ii')."""
    if BULLET.match(line):
        return "bullet", ""
    match = ITEM_NUMBER.match(line)
    if not match:
        return None
    token = match.group("n") or match.group("bare")
    if token.isdigit():
        return "num", str(int(token))
    if token in ("I", "l") or re.fullmatch(r"[ivx]+", token):
        return "roman", token.lower().replace("l", "i")
    if re.fullmatch(r"[IVX]+", token):
        return "roman", token.lower()
    return "alpha", token


ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv"]


def next_value(family: str, count: int) -> str:
    """Return the marker expected for item number ``count`` (1-based) of a family."""
    if family == "num":
        return str(count)
    if family == "roman":
        return ROMAN[count - 1] if count <= len(ROMAN) else ""
    if family == "alpha":
        return chr(ord("a") + count - 1) if count <= 26 else ""
    return ""


def strip_marker(line: str) -> str:
    """Remove the list marker that starts a line."""
    match = BULLET.match(line) or ITEM_NUMBER.match(line)
    return line[match.end() :] if match else line


def numbered_items(lines: list[str]) -> list[str] | None:
    """Split lines into items at markers of the first list family, in sequence; None if none."""
    marks = [m for m in (marker_value(line) for line in lines) if m]
    if not marks:
        return None
    family = marks[0][0]
    if marks[0] == ("roman", "i") and len(marks) > 1 and marks[1] == ("num", "2"):
        family = "num"  # "(I)" or "(l)" misread by OCR for "(1)"
    elif family == "roman" and marks[0][1] != "i":
        return None
    items: list[list[str]] = []
    preamble: list[str] = []
    for line in lines:
        mark = marker_value(line)
        expected = next_value(family, len(items) + 1)
        numeric_one = (
            family == "num" and not items and mark and mark[0] == "roman" and mark[1] == "i"
        )
        if mark and (
            mark[0] == family and (family == "bullet" or mark[1] == expected) or numeric_one
        ):
            items.append([strip_marker(line)])
        elif items:
            items[-1].append(line)
        else:
            preamble.append(line)
    if family != "bullet" and len(items) < 2:
        return None
    joined = [flat(" ".join(item)) for item in items]
    if preamble and flat(" ".join(preamble)):
        joined.insert(0, flat(" ".join(preamble)))
    return joined


def inline_items(text: str) -> list[str] | None:
    """Split '(1) ... (2) ... (3) ...' written inside one paragraph."""
    marks = list(re.finditer(r"(?:^|\s)\((\d{1,2})\)\s", text))
    starts, expected = [], 1
    for mark in marks:
        if int(mark.group(1)) == expected:
            starts.append(mark.start())
            expected += 1
    if len(starts) < 2:
        return None
    bounds = [*starts, len(text)]
    items = [strip_marker(flat(text[a:b])) for a, b in zip(bounds, bounds[1:], strict=False)]
    head = flat(text[: starts[0]])
    return [head, *items] if head else items


def paragraph_items(text: str) -> list[str]:
    """Treat each paragraph as one concern, folding lead-in lines into the next paragraph."""
    items: list[str] = []
    carry = ""
    for para in re.split(r"\n\s*\n|\n", text):
        para = flat(para)
        if not para:
            continue
        if para.endswith(":") or len(para) < 40:
            carry = f"{carry} {para}".strip()
            continue
        items.append(f"{carry} {para}".strip())
        carry = ""
    if carry:
        items.append(carry) if not items else items.__setitem__(-1, f"{items[-1]} {carry}")
    return items


def split_concerns(section: str) -> list[str]:
    """Return the matters of concern as separate items ((1), 1., a), bullets or paragraphs)."""
    body = concerns_body(section)
    if not body:
        return []
    lines = [line for line in body.split("\n") if line.strip()]
    items = numbered_items(lines) or inline_items(flat(body)) or paragraph_items(body)
    items = [i for i in items if re.search(r"[A-Za-z]{3}", i)]
    if len(items) > 1 and len(items[0]) < 120 and items[0].endswith(":"):
        items = items[1:]
    return items


def parse_report_facts(sections: dict[str, str]) -> ReportFacts:
    """Read every fact a report's sections give."""
    name, area = parse_coroner(sections.get("coroner", ""))
    deadline, raw = parse_deadline(sections.get("response", ""))
    investigation = sections.get("investigation", "")
    return ReportFacts(
        coroner_name=name,
        coroner_area=area,
        conclusion=parse_conclusion(investigation),
        cause_of_death=parse_cause(investigation),
        response_deadline=deadline,
        response_deadline_raw=raw,
        recipients=parse_recipients(sections.get("sent_to", "")),
        concerns=split_concerns(sections.get("concerns", "")),
    )
