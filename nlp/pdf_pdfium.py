"""The fast engine: positioned lines from pypdfium2's character boxes.

pdfium gives every character with its box; characters are grouped into runs along one baseline,
runs on one visual row are merged (a table's number cell and heading, a superscript), and a space
is put back wherever pdfium dropped one.
"""

from __future__ import annotations

import ctypes
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from nlp.pdf_layout import Line, PageLines

Char = tuple[float, float, float, float, str, int]  # left, right, top, bottom, text, index


@dataclass(slots=True)
class PageInfo:
    """What the text layer of one page looks like."""

    lines: PageLines
    chars: int
    coverage: float


def char_runs(textpage: pdfium.PdfTextPage, height: float) -> list[list[Char]]:
    """Group a page's characters, in content order, into runs that share one baseline."""
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(count))
    rect = pdfium_c.FS_RECTF()
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    runs: list[list[Char]] = []
    current: list[Char] = []
    last = None
    for index, char in enumerate(text):
        if char == "\r" or char == "\n":
            if current:
                runs.append(current)
                current = []
            continue
        loose_box(raw, index, rect)
        left, right, top, bottom = rect.left, rect.right, height - rect.top, height - rect.bottom
        if right <= left or bottom <= top:
            if char == " " and current:
                current.append((last[1], last[1], last[2], last[3], " ", -1))
            continue
        if current and not (top == last[2] and bottom == last[3] and left >= last[0]):
            overlap = (last[3] if last[3] < bottom else bottom) - (
                last[2] if last[2] > top else top
            )
            smaller = min(last[3] - last[2], bottom - top) or 1.0
            if overlap / smaller <= 0.5 or left < last[0] - smaller:
                runs.append(current)
                current = []
        last = (left, right, top, bottom, char, index)
        current.append(last)
    if current:
        runs.append(current)
    return runs


def run_band(run: list[Char]) -> tuple[float, float]:
    """Return the typical top and bottom of a run (its middle character's box)."""
    tops = sorted(c[2] for c in run)
    bottoms = sorted(c[3] for c in run)
    return tops[len(tops) // 2], bottoms[len(bottoms) // 2]


def runs_to_rows(runs: list[list[Char]]) -> list[list[list[Char]]]:
    """Merge runs that sit on one visual row (table cells, superscripts)."""
    banded = sorted(((run_band(run), run) for run in runs), key=lambda b: (b[0][0], b[1][0][0]))
    rows: list[tuple[tuple[float, float], list[list[Char]]]] = []
    for (top, bottom), run in banded:
        middle = (top + bottom) / 2
        for band, members in reversed(rows[-4:]):
            if band[0] <= middle <= band[1]:
                members.append(run)
                break
        else:
            rows.append(((top, bottom), [run]))
    return [members for _, members in rows]


def runs_to_lines(runs: list[list[Char]], same_object: Callable[[int, int], bool]) -> list[Line]:
    """Turn runs into visual lines, ordered top to bottom."""
    lines = []
    for row in runs_to_rows(runs):
        chars = [c for run in sorted(row, key=lambda r: r[0][0]) for c in run]
        text = spaced_text(chars, same_object)
        if text.strip():
            top, bottom = min(c[2] for c in chars), max(c[3] for c in chars)
            lines.append(Line(text, top, bottom, chars[0][0]))
    return sorted(lines, key=lambda line: line.top)


def spaced_text(chars: list[Char], same_object: Callable[[int, int], bool]) -> str:
    """Join characters, adding a space where a gap is wider than the line's usual spacing.

    pdfium drops a space glyph that overlaps the next letter (Word does this), so a gap between
    two text objects is a word break when it is wider than kerning; inside one text object only
    a wide gap is (character spacing, as in scanners' OCR layers, widens every gap).
    """
    if not chars:
        return ""
    pairs = list(zip(chars, chars[1:], strict=False))
    gaps = [b[0] - a[1] for a, b in pairs if a[4] != " " and b[4] != " "]
    usual = max(0.0, statistics.median(gaps)) if gaps else 0.0
    out = [chars[0][4]]
    for prev, char in pairs:
        if prev[4] != " " and char[4] != " ":
            gap = char[0] - prev[1] - usual
            height = max(prev[3] - prev[2], char[3] - char[2])
            if gap > 0.1 * height or (
                gap > 0.036 * height
                and not (prev[4].isupper() and char[4].islower())  # kerning pairs: "Po", "To"
                and not same_object(prev[5], char[5])
            ):
                out.append(" ")
        out.append(char[4])
    return "".join(out)


def object_lookup(textpage: pdfium.PdfTextPage) -> Callable[[int, int], bool]:
    """Return a test of whether two character indexes belong to one text object."""
    raw = textpage.raw

    def owner(index: int) -> int | None:
        """Return the address of the text object drawing a character (None for generated)."""
        if index < 0:
            return None
        return ctypes.cast(pdfium_c.FPDFText_GetTextObject(raw, index), ctypes.c_void_p).value

    def same_object(a: int, b: int) -> bool:
        """Say whether two characters were drawn by one text object."""
        return owner(a) == owner(b) and owner(a) is not None

    return same_object


def image_coverage(page: pdfium.PdfPage, width: float, height: float) -> float:
    """Return the share of the page covered by its largest image (1.0 for a full-page scan)."""
    best = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        best = max(best, (right - left) * (top - bottom) / (width * height or 1.0))
    return min(best, 1.0)


def pdfium_page(page: pdfium.PdfPage, number: int) -> PageInfo:
    """Read one page's lines, text size and image coverage with pypdfium2."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        lines = runs_to_lines(char_runs(textpage, height), object_lookup(textpage))
    finally:
        textpage.close()
    chars = sum(len(line.text.strip()) for line in lines)
    return PageInfo(PageLines(number, height, lines), chars, image_coverage(page, width, height))
