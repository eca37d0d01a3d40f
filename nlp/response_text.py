"""Facts of a response letter: its date and the organisation that wrote it.

A letter has a letterhead (often only a logo, so no text), an address block naming the coroner,
a salutation, the body, and a sign-off with the signer's name, role and organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.report_facts import parse_date

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\.?,?\s+\d{{4}}"
    rf"|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2}))\b",
    re.I,
)
SALUTATION = re.compile(r"^\s*(?:dear\b|to whom it may concern|re\s*:)", re.I)
SIGN_OFF = re.compile(
    r"^\s*(?:yours\s+(?:sincerely|faithfully|truly)|(?:kind|best|warm)\s+regards|"
    r"(?:with\s+)?(?:best|kind)\s+wishes|regards)\b",
    re.I,
)
ORG_WORDS = (
    "Trust Council Department Ministry Agency Authority Police Constabulary Service Services "
    "Commission College Limited Ltd plc LLP Institute University Board ICB CCG Office Society "
    "Association Group Foundation Regulator Network Partnership Hospital Hospitals Prison "
    "Probation Executive Government Care England Wales Healthcare Highways Railways Federation "
    "Institution Practice Surgery Company Corporation Inspectorate Unit Centre HMPPS MHRA DHSC "
    "CQC NICE NHSE HSE DVSA DVLA UKHSA"
).split()
ROLE = (
    r"(?:chief\s+executive(?:\s+officer)?|medical\s+director|director(?:\s+of\s+[\w\s&]+?)?|"
    r"chair(?:man|woman)?|head\s+of\s+[\w\s&]+?|deputy\s+[\w\s]+?|interim\s+[\w\s]+?|"
    r"chief\s+[\w\s]+?officer|secretary\s+of\s+state\s+for\s+[\w\s&]+?|minister\s+[\w\s&]+?|"
    r"(?:group\s+)?chief\s+nurse|executive\s+director(?:\s+of\s+[\w\s&]+?)?)"
)
ROLE_START = re.compile(rf"^{ROLE}(?:\s+(?:of|for|at)\s+|$)\s*", re.I)
PHRASE = re.compile(
    r"(?:\d{1,3}\s+)?(?:[A-Z][\w&'’.\-]*|NHS)"
    r"(?:\s+(?:[A-Z][\w&'’.\-]*|of|and|for|the|&|on|in|upon|de))*"
)
ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,7}$")
NOT_ACRONYM = {"MP", "OBE", "MBE", "CBE", "KC", "QC", "HM", "RE", "PS", "CC", "BCC", "NHS"}
NOT_ORG = re.compile(r"coroner|^dear\b|^re\b|^yours\b|^the\s+(?:trust|council)$|^care$", re.I)
STREET = re.compile(
    r"\b(?:road|street|lane|avenue|way|house|park|drive|close|place|square|headquarters|"
    r"building|offices)$",
    re.I,
)


@dataclass(slots=True)
class ResponseFacts:
    """A response letter's date and the organisation it came from."""

    response_date: str | None = None
    organisation: str = ""


def letter_parts(text: str) -> tuple[list[str], list[str], list[str]]:
    """Split a letter into header lines (before the salutation), body, and sign-off lines."""
    lines = [line.strip() for line in (text or "").split("\n")]
    salutation = next((i for i, line in enumerate(lines[:60]) if SALUTATION.match(line)), None)
    head_end = salutation if salutation is not None else min(len(lines), 25)
    sign = next(
        (i for i in range(len(lines) - 1, head_end - 1, -1) if SIGN_OFF.match(lines[i])), None
    )
    tail = lines[sign + 1 : sign + 10] if sign is not None else []
    return lines[:head_end], lines[head_end:], tail


def parse_response_date(head: list[str], tail: list[str]) -> str | None:
    """Return the letter's own date: a 'Date:' line or a line holding only a date."""
    for lines in (head, tail):
        labelled = [line for line in lines if re.match(r"^\s*date[d]?\s*[:\-]?", line, re.I)]
        alone = [
            line
            for line in lines
            if DATE.search(line) and len(DATE.sub("", line).strip(" ,.")) < 12
        ]
        for line in labelled + alone:
            match = DATE.search(line)
            value = parse_date(match.group(0)) if match else None
            if value:
                return value
    return None


def org_phrases(line: str) -> list[str]:
    """Return the organisation names in one line ('Chief Executive, X NHS Trust' -> X NHS Trust)."""
    found = []
    for part in re.split(r"[,|;]|\s[–-]\s", line):
        part = ROLE_START.sub("", part.strip())
        if ACRONYM.match(part) and part not in NOT_ACRONYM:
            found.append(part)
            continue
        for match in PHRASE.finditer(part):
            phrase = re.sub(r"\s+(?:of|and|for|the|&|on|in|upon|de)$", "", match.group(0)).strip()
            words = set(re.findall(r"[\w&]+", phrase))
            if words & set(ORG_WORDS) and not NOT_ORG.search(phrase) and not STREET.search(phrase):
                found.append(phrase)
    return found


def find_organisation(head: list[str], tail: list[str]) -> str:
    """Return the writer's organisation from the sign-off, else from the letterhead."""
    for line in tail:
        phrases = org_phrases(line)
        if phrases:
            return max(phrases, key=len)
    letterhead = []
    for line in head[:15]:
        if re.search(r"coroner", line, re.I):
            break
        letterhead.append(line)
    for line in letterhead:
        phrases = org_phrases(line)
        if phrases:
            return max(phrases, key=len)
    return ""


def parse_response(text: str) -> ResponseFacts:
    """Read a response letter's date and organisation."""
    head, _, tail = letter_parts(text)
    return ResponseFacts(parse_response_date(head, tail), find_organisation(head, tail))
