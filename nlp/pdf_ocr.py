"""OCR with tesseract: pages rendered by pypdfium2, words grouped back into positioned lines."""

from __future__ import annotations

import logging
import os
import shutil
from functools import cache

import pypdfium2 as pdfium
import pytesseract
from PIL import Image

from nlp.pdf_layout import Line, PageLines

log = logging.getLogger(__name__)

OCR_DPI = 300
OCR_PAGE_TIMEOUT = 90  # seconds for one page; a stuck tesseract must not hold a worker forever
OCR_LANG = "eng"


@cache
def tesseract_available() -> bool:
    """Say whether the tesseract binary can be run (checked once per process)."""
    command = pytesseract.pytesseract.tesseract_cmd
    if not shutil.which(command):
        return False
    try:
        pytesseract.get_tesseract_version()
    except (pytesseract.TesseractNotFoundError, OSError):
        return False
    return True


def limit_threads() -> None:
    """Keep tesseract to one thread: the stage already runs one process per core."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def render_page(page: pdfium.PdfPage, dpi: int = OCR_DPI) -> Image.Image:
    """Render a PDF page to a greyscale image for OCR."""
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    return bitmap.to_pil()


def image_lines(image: Image.Image, number: int, dpi: int) -> PageLines:
    """OCR one page image and return its lines with positions in points."""
    limit_threads()
    data = pytesseract.image_to_data(
        image,
        lang=OCR_LANG,
        config="--psm 3",
        output_type=pytesseract.Output.DICT,
        timeout=OCR_PAGE_TIMEOUT,
    )
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip() and float(data["conf"][i]) >= 0:
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            groups.setdefault(key, []).append(i)
    scale = 72 / dpi
    lines = []
    for indexes in groups.values():
        top = min(data["top"][i] for i in indexes) * scale
        bottom = max(data["top"][i] + data["height"][i] for i in indexes) * scale
        x0 = min(data["left"][i] for i in indexes) * scale
        text = " ".join(data["text"][i] for i in indexes)
        lines.append(Line(text, top, bottom, x0))
    lines.sort(key=lambda line: (round(line.top / 4), line.x0))
    return PageLines(number, image.height * scale, lines)


def ocr_pdf_page(page: pdfium.PdfPage, number: int, dpi: int = OCR_DPI) -> PageLines:
    """Render and OCR one PDF page."""
    return image_lines(render_page(page, dpi), number, dpi)


def ocr_image_file(path: str) -> list[PageLines]:
    """OCR every frame of an image file (PNG, JPEG, TIFF)."""
    pages = []
    with Image.open(path) as image:
        dpi = int((image.info.get("dpi") or (OCR_DPI, OCR_DPI))[0]) or OCR_DPI
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            pages.append(image_lines(image.convert("L"), frame, dpi))
    return pages
