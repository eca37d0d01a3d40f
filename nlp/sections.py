"""Split a Regulation 28 report into its sections, from PDF text or the text pasted into the page.

Headings vary (numbering, case, curly apostrophes, a number on its own line, headings missing),
so every line that looks like a heading becomes a candidate, and the chain of candidates in the
form's order with the most weight wins: a stray "Action should be taken" inside the concerns
cannot push the real heading out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

RESOURCES = Path(__file__).parent / "resources"
APOSTROPHE = "['’‘`´]"
SECTION_NAMES = (
    "sent_to coroner legal_powers investigation circumstances concerns action response copies "
    "signature"
).split()
CORE = {"investigation": 2.0, "circumstances": 3.0, "concerns": 3.0}
LIST_MARKER = re.compile(
    r"^\s*(?:\(?\d{1,2}[.)]|\d\s?\(?[a-d]\)?|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}\)|[•●▪◦\-–*\uf0b7])(?:\s|$)"
)


@dataclass(slots=True)
class HeadingRule:
    """One section's heading patterns, compiled."""

    name: str
    index: int
    number: int | None
    inline: bool
    alone: bool
    regex: re.Pattern
    patterns: tuple[str, ...] = ()


@dataclass(slots=True)
class Candidate:
    """A place in the text that looks like a section heading."""

    start: int
    end: int
    index: int
    weight: float


@dataclass(slots=True)
class Split:
    """A report's sections by name, where they came from, and how complete they are."""

    sections: dict[str, str] = field(default_factory=dict)
    source: str = ""
    score: float = 0.0


def pattern_text(pattern: str) -> str:
    """Turn a YAML heading pattern into a regex: any apostrophe, any whitespace run."""
    return pattern.replace("'", APOSTROPHE).replace(" ", r"\s+")


@cache
def load_rules() -> tuple[str, tuple[HeadingRule, ...]]:
    """Load the heading rules from nlp/resources/reg28_sections.yml."""
    data = yaml.safe_load((RESOURCES / "reg28_sections.yml").read_text(encoding="utf-8"))
    rules = []
    for index, spec in enumerate(data["sections"]):
        alternatives = "|".join(pattern_text(p) for p in spec["patterns"])
        regex = re.compile(rf"(?:{alternatives})", re.I)
        rules.append(
            HeadingRule(
                spec["name"],
                index,
                spec.get("number"),
                bool(spec.get("inline")),
                bool(spec.get("alone")),
                regex,
                tuple(spec["patterns"]),
            )
        )
    return data["version"], tuple(rules)


def sections_version() -> str:
    """Return the model_version written with every section row."""
    return load_rules()[0]


def normalise(text: str) -> str:
    """Normalise spacing characters so headings and lines can be matched."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = re.sub(r"[\u00a0\u2007\u202f\t]", " ", text)
    text = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", text)
    text = text.replace("\ufb01", "fi").replace("\ufb02", "fl")
    return re.sub(r"[ ]{2,}", " ", text)


@cache
def inline_heading_regex() -> re.Pattern:
    """Return one regex for every heading, longest wording first, run on after other text."""
    _, rules = load_rules()
    alternatives = sorted(
        ((len(p), rule.index, pattern_text(p)) for rule in rules[1:-1] for p in rule.patterns),
        reverse=True,
    )
    named = "|".join(
        f"(?P<h{index}_{i}>{regex})" for i, (_, index, regex) in enumerate(alternatives)
    )
    return re.compile(rf"(?:(?<=\S) +|^[ ]*)(?P<num>[1-9]\.? +)?(?:{named})", re.I | re.M)


def break_inline_headings(text: str) -> str:
    """Start a new line before a capitalised heading that runs on from the previous text.

    The text pasted into report pages sometimes loses its line breaks ("... 2013. 3
    INVESTIGATION and INQUEST On 5 May ..."); prose never writes these words in capitals. Only
    the longest wording counts, so "2 CORONER'S LEGAL POWERS" is not split at "LEGAL POWERS".
    """
    _, rules = load_rules()

    def replace(match: re.Match) -> str:
        """Return the match with a line break before it, when it is a run-on heading."""
        rule = rules[int(match.lastgroup[1:].split("_")[0])]
        numbered = match.group("num") and int(match.group("num").rstrip(". ")) == rule.number
        heading_at = match.start(match.lastgroup)
        at_line_start = match.start() == 0 or text[match.start() - 1] == "\n"
        if at_line_start:  # already where a heading belongs; consumed so its words stay whole
            return match.group(0)
        if upper_heading_at(text, heading_at) and (numbered or not rule.alone):
            return "\n" + match.group(0).lstrip(" ")
        return match.group(0)

    return inline_heading_regex().sub(replace, text)


def upper_heading_at(text: str, pos: int) -> bool:
    """Say whether the words at a position are written in capitals (a heading, not prose)."""
    words = re.findall(r"[A-Za-z]+", text[pos : pos + 40])[:3]
    words = [w for w in words if w.lower() not in {"and", "of", "the"}]
    return bool(words) and all(w.isupper() for w in words[:2])


def join_lonely_numbers(text: str) -> str:
    """Put a section number that sits alone on a line in front of the heading below it."""
    return re.sub(r"(?m)^[ ]*([1-9])[.)]?[ ]*\n(?:[ ]*\n)*(?=[ ]*[A-Za-z\[])", r"\1 ", text)


HEAD_LINE = re.compile(r"^[ ]*(?:(?P<num>[1-9])\s*[.):]?\s+)?(?P<head>.*)$")
DATE_START = re.compile(
    r"^\s*(?:\[|\d{1,2}(?:st|nd|rd|th)?[ ./-]+(?:[A-Za-z]+|\d{1,2})[ ,./-]+\d{2,4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|date|signed|$)",
    re.I,
)


def line_candidates(line: str, start: int) -> list[Candidate]:
    """Return the heading candidates that one line offers."""
    _, rules = load_rules()
    match = HEAD_LINE.match(line)
    number = int(match.group("num")) if match.group("num") else None
    head_start = start + match.start("head")
    found = []
    for rule in rules[1:-1]:
        hit = rule.regex.match(match.group("head"))
        if not hit:
            continue
        rest = match.group("head")[hit.end() :].strip(" :.-–—")
        weight = heading_weight(rule, number, hit.group(0), rest)
        if weight:
            found.append(Candidate(start, head_start + hit.end(), rule.index, weight))
            break
    if number == 9 and not found:
        dated = DATE_START.match(match.group("head"))
        if dated or len(match.group("head")) < 80:
            found.append(Candidate(start, head_start, len(rules) - 1, 2.0 if dated else 1.0))
    return found


def heading_weight(rule: HeadingRule, number: int | None, words: str, rest: str) -> float:
    """Weigh a heading candidate: numbered, in capitals and alone on its line is surest.

    A capitalised phrase that runs on into a sentence ("MATTERS OF CONCERN are as follows")
    weighs less than a heading line of any case, so it cannot displace the real heading.
    """
    upper = upper_heading_at(words, 0)
    right_number = number is not None and number == rule.number
    if rest:
        if not upper or (number is not None and not right_number):
            return 0.0
        if right_number:
            return 1.5
        return 0.0 if rule.alone else 0.6
    if right_number:
        return 2.0
    if number is not None:
        return 1.0 if upper else 0.0
    if rule.alone and not upper:
        return 0.5
    return 1.5 if upper else 0.75


def sent_to_candidates(text: str) -> list[Candidate]:
    """Find 'THIS REPORT IS BEING SENT TO' anywhere (it often runs on from the title)."""
    _, rules = load_rules()
    return [Candidate(m.start(), m.end(), 0, 2.0) for m in rules[0].regex.finditer(text)]


def find_candidates(text: str) -> list[Candidate]:
    """Return every heading candidate in the text, in order of position."""
    found = sent_to_candidates(text)
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            found.extend(line_candidates(line[:160], offset))
        offset += len(line) + 1
    return sorted(found, key=lambda c: (c.start, c.index))


def best_chain(candidates: list[Candidate]) -> list[Candidate]:
    """Pick the heaviest chain of candidates whose sections follow the form's order."""
    best: list[tuple[float, int]] = []
    for i, cand in enumerate(candidates):
        score, back = cand.weight, -1
        for j in range(i):
            prev = candidates[j]
            if (
                prev.index < cand.index
                and prev.end <= cand.start
                and best[j][0] + cand.weight > score
            ):
                score, back = best[j][0] + cand.weight, j
        best.append((score, back))
    if not best:
        return []
    i = max(range(len(best)), key=lambda k: (best[k][0], -k))
    chain = []
    while i >= 0:
        chain.append(candidates[i])
        i = best[i][1]
    return chain[::-1]


def unwrap(text: str) -> str:
    """Join lines wrapped by the page width into paragraphs; keep list items on their own lines."""
    lines = [line.strip() for line in text.split("\n")]
    widths = sorted(len(line) for line in lines if line)
    typical = widths[int(len(widths) * 0.8)] if widths else 0
    out: list[str] = []
    for line in lines:
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        prev = out[-1] if out else ""
        ends_short = re.search(r"[.:;!?)]$", prev) and len(prev) < typical * 0.8
        if prev and not LIST_MARKER.match(line) and not ends_short:
            out[-1] = f"{prev} {line}"
        else:
            out.append(line)
    return "\n".join(out).strip()


def clean_section(name: str, body: str) -> str:
    """Tidy one section's text: no heading punctuation, wrapped lines joined."""
    body = re.sub(r"^[\s:.\-–—]+", "", body).rstrip()
    body = re.sub(r"\n[ ]+", "\n", body)
    if name in ("sent_to", "signature"):
        return re.sub(r"\n{2,}", "\n", body).strip()
    return unwrap(body)


def score_sections(sections: dict[str, str]) -> float:
    """Weigh how complete a split is: the core sections count most."""
    score = 0.0
    for name, text in sections.items():
        if len(text) >= 20:
            score += CORE.get(name, 0.5)
    return score


def split_sections(text: str, source: str = "") -> Split:
    """Split a report's text into its Regulation 28 sections."""
    text = join_lonely_numbers(break_inline_headings(normalise(text or "")))
    chain = best_chain(find_candidates(text))
    sections: dict[str, str] = {}
    for cand, nxt in zip(chain, [*chain[1:], None], strict=False):
        end = nxt.start if nxt else len(text)
        body = clean_section(SECTION_NAMES[cand.index], text[cand.end : end])
        if body:
            sections[SECTION_NAMES[cand.index]] = body
    return Split(sections, source, score_sections(sections))


def choose_split(splits: list[Split]) -> Split | None:
    """Return the most complete split; on a tie the earlier (callers list the preferred first)."""
    best = None
    for split in splits:
        if split.sections and (best is None or split.score > best.score):
            best = split
    return best
