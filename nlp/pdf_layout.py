"""Turn positioned text lines into clean reading-order text, and score how readable it is.

Every engine (pypdfium2, pdfplumber, tesseract) produces ``PageLines``; everything after that
is shared: running headers and footers and page numbers are dropped, words broken by a hyphen
at a line end are joined, and paragraph gaps become blank lines.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

EDGE_ZONE = 0.09  # fraction of the page height treated as header or footer margin
EDGE_LINES = 3  # how many lines at each end of a page may be a running header or footer

PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?(?:\s*[-–—])?\s*$", re.I
)
STOPWORDS = frozenset(
    "the of and to a in that is was for on with as by at be this his her it from which not are "
    "have had an or were has been i you your we our she he their there would should will".split()
)
TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f]+|\d+")


@dataclass(slots=True)
class Line:
    """One visual line of a page: its text and where it sits (points from the page top)."""

    text: str
    top: float
    bottom: float
    x0: float = 0.0


@dataclass(slots=True)
class PageLines:
    """The lines of one page, in reading order, and the page's size in points."""

    number: int
    height: float
    lines: list[Line] = field(default_factory=list)


def normalise_edge(text: str) -> str:
    """Reduce a header/footer line to a comparable key (digits and spacing ignored)."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text)).strip().lower()


def edge_candidates(page: PageLines) -> list[int]:
    """Return indexes of the non-blank lines that sit in the page's top or bottom margin zone."""
    filled = [i for i, line in enumerate(page.lines) if line.text.strip()]
    head = filled[:EDGE_LINES]
    tail = filled[-EDGE_LINES:]
    limit_top = page.height * EDGE_ZONE * 1.6
    limit_bottom = page.height * (1 - EDGE_ZONE * 1.6)
    top = [i for i in head if page.lines[i].bottom <= limit_top]
    bottom = [i for i in tail if page.lines[i].top >= limit_bottom]
    return sorted(set(top + bottom))


def repeated_edges(pages: list[PageLines]) -> set[str]:
    """Return edge-line keys that recur on most pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({normalise_edge(page.lines[i].text) for i in edge_candidates(page)})
    need = 2 if len(pages) <= 3 else max(2, round(len(pages) * 0.5))
    return {key for key, n in counts.items() if n >= need and key}


def bare_number(line: Line) -> bool:
    """Say whether a line is only a number (a page number, or a form's section number)."""
    return line.text.strip().isdigit()


def is_page_number(lines: list[Line], index: int, height: float) -> bool:
    """Say whether a line is a bare page number: in the bottom margin, or alone at the top.

    A number at the top of a page followed closely by text is a section number (Reg 28 tables).
    """
    line = lines[index]
    if not PAGE_NUMBER.match(line.text):
        return False
    if line.top >= height * (1 - EDGE_ZONE):
        return True
    if line.bottom > height * EDGE_ZONE:
        return False
    following = next((nxt for nxt in lines[index + 1 :] if nxt.text.strip()), None)
    return following is None or following.top - line.bottom > 2 * (line.bottom - line.top)


def drop_edges(pages: list[PageLines]) -> list[PageLines]:
    """Remove running headers, footers and page numbers from every page."""
    repeated = repeated_edges(pages)
    cleaned = []
    for page in pages:
        edges = set(edge_candidates(page))
        keep = [
            line
            for i, line in enumerate(page.lines)
            if not (i in edges and normalise_edge(line.text) in repeated and not bare_number(line))
            and not is_page_number(page.lines, i, page.height)
        ]
        cleaned.append(PageLines(page.number, page.height, keep))
    return cleaned


def paragraph_lines(page: PageLines) -> list[str]:
    """Return a page's line texts with a blank line wherever the vertical gap is wide."""
    lines = [line for line in page.lines if line.text.strip()]
    if not lines:
        return []
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False) if b.top > a.top]
    pitch = statistics.median(pitches) if pitches else 0.0
    out = [lines[0].text.rstrip()]
    for prev, line in zip(lines, lines[1:], strict=False):
        if pitch and line.top - prev.top > pitch * 1.45:
            out.append("")
        out.append(line.text.rstrip())
    return out


HYPHEN_END = re.compile(r"([A-Za-z\u00c0-\u024f]{1,40})[-\u00ad\ufffe]$")
WORD_START = re.compile(r"^([A-Za-z\u00c0-\u024f]+)(.*)$")


def join_hyphenated(lines: list[str], vocabulary: set[str]) -> list[str]:
    """Join words broken by a hyphen at a line end; drop the hyphen if the text knows the word."""
    out: list[str] = []
    for line in lines:
        head = HYPHEN_END.search(out[-1]) if out else None
        word = WORD_START.match(line.lstrip()) if head else None
        if head and word:
            first, rest = word.group(1), word.group(2)
            tail = re.match(r"^\S*", rest).group(0)
            known = (head.group(1) + first).lower() in vocabulary and first[:1].islower()
            glue = "" if known else "-"
            out[-1] = out[-1][: head.start()] + head.group(1) + glue + first + tail
            line = rest[len(tail) :].lstrip()
            if not line:
                continue
        out.append(line)
    return out


def vocabulary_of(pages: list[PageLines]) -> set[str]:
    """Return the lower-cased words of a document, to decide which hyphens are real."""
    words: set[str] = set()
    for page in pages:
        for line in page.lines:
            words.update(w.lower() for w in TOKEN.findall(line.text))
    return words


def assemble_text(pages: list[PageLines]) -> str:
    """Return the document's clean text: edges dropped, hyphens joined, paragraphs marked."""
    pages = drop_edges(pages)
    vocabulary = vocabulary_of(pages)
    out: list[str] = []
    for page in pages:
        lines = paragraph_lines(page)
        if not lines:
            continue
        if out and out[-1] and re.search(r"[.:;!?]\s*$", out[-1]):
            out.append("")
        out.extend(lines)
    text = "\n".join(join_hyphenated(out, vocabulary))
    text = text.replace("\ufffe", "-").replace("\u00ad", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
SPACES = re.compile(r"\s+")


def char_quality(text: str) -> float:
    """Return the share of visible characters that are ordinary letters, digits or punctuation."""
    visible = len(SPACES.sub("", text))
    if not visible:
        return 0.0
    bad = len(CONTROL_CHARS.findall(text)) + 5 * text.count("(cid:")
    bad += sum(1 for c in NON_ASCII.findall(text) if is_bad_char(c))
    return max(0.0, 1.0 - bad / visible)


def is_bad_char(char: str) -> bool:
    """Say whether a character is a sign of a broken text layer (private use, boxes, controls)."""
    if char in "\ufffd\ufffe\uffff":
        return True
    category = unicodedata.category(char)
    if category in ("Co", "Cc", "Cn", "Cs"):
        return True
    return category.startswith("L") and ord(char) > 0x24F and not 0x370 <= ord(char) <= 0x3FF


def text_quality(text: str) -> float:
    """Score 0..1 how much a text layer looks like English prose (broken layers score low)."""
    tokens = [t.lower() for t in TOKEN.findall(text) if not t.isdigit()]
    if not tokens:
        return 0.0
    stop_share = sum(1 for t in tokens if t in STOPWORDS) / len(tokens)
    return round(char_quality(text) * min(1.0, stop_share / 0.18), 3)
