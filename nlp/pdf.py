"""Text of one stored document: PDF (pypdfium2 or pdfplumber), OCR when the layer is bad, .docx.

``extract_document`` never raises for bad input: an encrypted, corrupt, empty or unsupported file
comes back as a ``DocText`` with ``error`` set and ``text_source`` "none".
"""

from __future__ import annotations

import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from nlp.pdf_layout import Line, PageLines, assemble_text, text_quality
from nlp.pdf_pdfium import PageInfo, pdfium_page

log = logging.getLogger(__name__)

ENGINES = ("pdfium", "pdfplumber")
EXTRACTOR_REVISION = "1"
MAX_PAGES = 2000  # pages read from one document; the rest is noted, not read
MAX_OCR_PAGES = 40  # pages OCRed in one document (a scan of a whole bundle is cut short)
MIN_QUALITY = 0.45  # below this a text layer is treated as garbage
MIN_CHARS_PER_PAGE = 60  # below this (on average) a document is treated as image-only
SCAN_COVERAGE = 0.8  # an image covering this share of a page makes it a scanned page
CONTROL_WORDS = {"report": "coroner"}  # a report PDF that never says "coroner" is misread


def extractor_version(engine: str = "pdfium") -> str:
    """Return the version string stored with every text (engine and revision)."""
    return f"{engine}-{EXTRACTOR_REVISION}"


@dataclass(slots=True)
class ExtractOptions:
    """How to read documents: the engine, and whether tesseract may be used."""

    engine: str = "pdfium"
    ocr: bool = True
    max_pages: int = MAX_PAGES
    max_ocr_pages: int = MAX_OCR_PAGES


@dataclass(slots=True)
class DocText:
    """What extraction made of one file."""

    text: str = ""
    text_source: str = "none"  # pdf | ocr | docx | none
    pages: int = 0
    quality: float = 0.0
    needs_ocr: bool = False
    error: str = ""
    ocr_pages: int = 0
    seconds: float = 0.0

    @property
    def chars(self) -> int:
        """Return the length of the text."""
        return len(self.text)


class ExtractError(Exception):
    """A file that cannot be read, with a message fit for the errors table."""


# --- file types ----------------------------------------------------------------------------


def sniff_type(path: Path) -> str:
    """Return the file's real type from its first bytes: pdf, docx, doc, html, image or empty."""
    with open(path, "rb") as handle:
        head = handle.read(2048)
    if not head:
        return "empty"
    if b"%PDF" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if is_docx(path) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype" in lowered:
        return "html"
    return "unknown"


def is_docx(path: Path) -> bool:
    """Say whether a zip file is a Word document."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


# --- opening PDFs; the pdfplumber engine -------------------------------------------------


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open a PDF with pypdfium2, turning its failures into a clear ExtractError."""
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise ExtractError("encrypted PDF: a password is needed to open it") from exc
        raise ExtractError(f"corrupt PDF: {message}") from exc


def plumber_pages(path: Path, max_pages: int) -> list[PageLines]:
    """Read a PDF's lines with pdfplumber (slower; the reference engine)."""
    import pdfplumber

    out = []
    with pdfplumber.open(str(path)) as pdf:
        for number, page in enumerate(pdf.pages[:max_pages]):
            rows = page.extract_text_lines(layout=False, strip=True, return_chars=False)
            lines = [Line(r["text"], r["top"], r["bottom"], r["x0"]) for r in rows]
            out.append(PageLines(number, float(page.height), lines))
            page.close()
    return out


# --- deciding on OCR -----------------------------------------------------------------------


def looks_unreadable(text: str, pages: int) -> bool:
    """Say whether a text layer is missing or garbage (too short for its pages, or low quality)."""
    if pages and len(text.strip()) / pages < MIN_CHARS_PER_PAGE:
        return True
    return text_quality(text) < MIN_QUALITY


def lacks_control_word(text: str, kind: str) -> bool:
    """Say whether a document misses the word every document of its kind contains."""
    control = CONTROL_WORDS.get(kind)
    return bool(control) and control not in text.lower()


def pages_to_ocr(infos: list[PageInfo], text: str, kind: str, limit: int) -> list[int]:
    """Choose the pages to OCR.

    A missing or garbage layer: every page. A report that never says "coroner": every page that
    holds a picture (its words are in an image). Otherwise only pages that are bare images.
    """
    if looks_unreadable(text, len(infos)):
        chosen = list(range(len(infos)))
    elif lacks_control_word(text, kind):
        chosen = [i for i, info in enumerate(infos) if info.coverage > 0.3]
    else:
        chosen = [i for i, info in enumerate(infos) if info.chars < 25 and info.coverage > 0.3]
    return chosen[:limit]


def better_text(old: str, new: str, kind: str) -> bool:
    """Say whether OCR text beats the text layer (the control word first, then quality)."""
    control = CONTROL_WORDS.get(kind)
    if control and (control in new.lower()) != (control in old.lower()):
        return control in new.lower()
    old_score = text_quality(old) * min(1.0, len(old) / 400)
    new_score = text_quality(new) * min(1.0, len(new) / 400)
    return new_score > old_score


def run_ocr(pdf: pdfium.PdfDocument, infos: list[PageInfo], chosen: list[int]) -> list[PageLines]:
    """Return the page lines with the chosen pages replaced by their OCR."""
    from nlp.pdf_ocr import ocr_pdf_page

    pages = [info.lines for info in infos]
    for index in chosen:
        page = pdf[index]
        try:
            pages[index] = ocr_pdf_page(page, index)
        finally:
            page.close()
    return pages


def source_of(infos: list[PageInfo], ocr_pages: list[int]) -> str:
    """Say where most of the text came from: OCR (ours or a scanner's layer) or the PDF."""
    scanned = {i for i, info in enumerate(infos) if info.coverage >= SCAN_COVERAGE and info.chars}
    return "ocr" if len(scanned | set(ocr_pages)) * 2 > len(infos) else "pdf"


# --- whole documents -----------------------------------------------------------------------


def read_pdfium(pdf: pdfium.PdfDocument, count: int) -> list[PageInfo]:
    """Read the first ``count`` pages with pypdfium2."""
    infos = []
    for number in range(count):
        page = pdf[number]
        try:
            infos.append(pdfium_page(page, number))
        finally:
            page.close()
    return infos


def extract_pdf(path: Path, kind: str, options: ExtractOptions) -> DocText:
    """Extract a PDF's text, OCRing image-only or garbage pages when tesseract is allowed."""
    pdf = open_pdf(path)
    try:
        total = len(pdf)
        count = min(total, options.max_pages)
        infos = read_pdfium(pdf, count)
        if options.engine == "pdfplumber":
            for info, lines in zip(infos, plumber_pages(path, count), strict=False):
                info.lines = lines
        text = assemble_text([info.lines for info in infos])
        result = DocText(text=text, text_source=source_of(infos, []), pages=total)
        chosen = pages_to_ocr(infos, text, kind, options.max_ocr_pages)
        notes = []
        if chosen and options.ocr:
            ocr_text = assemble_text(run_ocr(pdf, infos, chosen))
            if better_text(text, ocr_text, kind):
                result.text, result.ocr_pages = ocr_text, len(chosen)
                result.text_source = source_of(infos, chosen)
        elif chosen:
            result.needs_ocr = True
            notes.append(f"needs OCR ({len(chosen)} page(s)) but tesseract is not available")
    finally:
        pdf.close()
    if total > count:
        notes.append(f"only the first {count} of {total} pages were read")
    result.error = "; ".join(notes)
    return result


def docx_lines(path: Path) -> list[str]:
    """Return a Word document's paragraphs and table rows, in order."""
    import docx

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append(cell.text.strip())
                lines.append(" ".join(c for c in cells if c))
        else:
            lines.append(block.text)
    return lines


def extract_docx(path: Path) -> DocText:
    """Extract a .docx document's text with python-docx."""
    try:
        lines = docx_lines(path)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(f"corrupt .docx: {exc}") from exc
    text = "\n".join(lines).strip()
    return DocText(text=text, text_source="docx", pages=1)


def extract_image(path: Path, options: ExtractOptions) -> DocText:
    """OCR an image file stored as a document."""
    from nlp.pdf_ocr import ocr_image_file

    if not options.ocr:
        return DocText(needs_ocr=True, error="image file needs OCR but tesseract is not available")
    pages = ocr_image_file(str(path))[: options.max_ocr_pages]
    text = assemble_text(pages)
    return DocText(text=text, text_source="ocr", pages=len(pages), ocr_pages=len(pages))


UNSUPPORTED = {
    "empty": "empty file (zero bytes)",
    "html": "not a document: the file is an HTML page",
    "doc": "legacy Word .doc files are not supported",
    "zip": "zip archive that is not a .docx",
    "unknown": "unrecognised file type (not PDF, .docx or image)",
}


def read_document(path: Path, kind: str, options: ExtractOptions) -> DocText:
    """Dispatch on the file's real type; raise ExtractError for what cannot be read."""
    if not path.is_file():
        raise ExtractError(f"file not found: {path}")
    file_type = sniff_type(path)
    if file_type in UNSUPPORTED:
        raise ExtractError(UNSUPPORTED[file_type])
    if file_type == "docx":
        return extract_docx(path)
    if file_type == "image":
        return extract_image(path, options)
    return extract_pdf(path, kind, options)


def extract_document(
    path: Path, kind: str = "other", options: ExtractOptions | None = None
) -> DocText:
    """Extract one file's text; bad input becomes an error result, never an exception."""
    options = options or ExtractOptions()
    started = time.perf_counter()
    try:
        result = read_document(Path(path), kind, options)
    except ExtractError as exc:
        result = DocText(error=str(exc))
    except Exception as exc:  # a library failing on a malformed file must not stop the stage
        log.debug("extraction of %s failed", path, exc_info=True)
        result = DocText(error=f"extraction failed: {type(exc).__name__}: {exc}")
    result.quality = text_quality(result.text) if result.text else 0.0
    if not result.text.strip() and not result.error:
        result.error = "no text found"
        result.text_source = "none"
    if not result.text.strip():
        result.text_source = "none"
    result.seconds = round(time.perf_counter() - started, 3)
    return result
