"""Render documents: text PDFs with reportlab, image-only "scans", truncated files, a .docx."""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen import canvas

from crawler.replay.blocks import Block, letter_blocks, report_blocks
from crawler.replay.model import DocSpec, ReportSpec

log = logging.getLogger(__name__)

WIDTH, HEIGHT = A4
MARGIN = 56.0
STYLES = {  # kind -> (font, size, space before)
    "title": ("Helvetica-Bold", 13.0, 0.0),
    "letterhead": ("Helvetica-Bold", 16.0, 0.0),
    "heading": ("Helvetica-Bold", 11.0, 10.0),
    "para": ("Helvetica", 10.0, 4.0),
    "item": ("Helvetica", 10.0, 2.0),
}
SCAN_DPI = 150


@dataclass(slots=True)
class Op:
    """Draw `text` at (x, y) points from the bottom left, in `font` at `size`."""

    x: float
    y: float
    font: str
    size: float
    text: str


def safe_text(text: str) -> str:
    """Keep text to what the standard PDF fonts can show (cp1252)."""
    return text.encode("cp1252", "replace").decode("cp1252")


def layout(blocks: list[Block]) -> list[list[Op]]:
    """Lay blocks out on A4 pages, wrapping lines; return each page's draw operations."""
    pages: list[list[Op]] = [[]]
    y = HEIGHT - MARGIN
    for block in blocks:
        font, size, before = STYLES[block.kind]
        indent = 22.0 if block.kind == "item" else 0.0
        lines = simpleSplit(safe_text(block.text), font, size, WIDTH - 2 * MARGIN - indent)
        y -= before
        for i, line in enumerate(lines or [""]):
            if y < MARGIN + size:
                pages.append([])
                y = HEIGHT - MARGIN
            if i == 0 and block.number and block.kind == "item":
                pages[-1].append(Op(MARGIN, y, font, size, block.number))
            pages[-1].append(Op(MARGIN + indent, y, font, size, line))
            y -= size * 1.35
    return pages


def render_text_pdf(pages: list[list[Op]], title: str) -> bytes:
    """Draw the pages as a PDF with a real text layer; identical bytes for identical input."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle(safe_text(title))
    pdf.setProducer("replay")
    for ops in pages:
        for op in ops:
            pdf.setFont(op.font, op.size)
            pdf.drawString(op.x, op.y, op.text)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def page_image(ops: list[Op]):
    """Render one page's text into a greyscale image, as a scanner would capture it."""
    from PIL import Image, ImageDraw, ImageFont

    scale = SCAN_DPI / 72.0
    image = Image.new("L", (round(WIDTH * scale), round(HEIGHT * scale)), 255)
    draw = ImageDraw.Draw(image)
    fonts: dict[float, object] = {}
    for op in ops:
        font = fonts.setdefault(op.size, ImageFont.load_default(size=round(op.size * scale)))
        draw.text((op.x * scale, (HEIGHT - op.y) * scale), op.text, fill=0, font=font, anchor="ls")
    return image


def render_scanned_pdf(pages: list[list[Op]], title: str) -> bytes:
    """Draw each page as an embedded image only: no text layer, as a scan."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle(safe_text(title))
    pdf.setProducer("scanner")
    for ops in pages:
        pdf.drawImage(ImageReader(page_image(ops)), 0, 0, width=WIDTH, height=HEIGHT)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def render_docx(blocks: list[Block]) -> bytes:
    """Write the blocks as a Word document with stable bytes."""
    import docx

    document = docx.Document()
    stamp = datetime(2020, 1, 1)
    document.core_properties.created = stamp
    document.core_properties.modified = stamp
    for block in blocks:
        if block.kind in ("title", "heading", "letterhead"):
            document.add_heading(block.text, level=1 if block.kind != "heading" else 2)
        else:
            document.add_paragraph(f"{block.number} {block.text}".strip())
    buf = io.BytesIO()
    document.save(buf)
    return stable_zip(buf.getvalue())


def stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so the same content gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def document_blocks(doc: DocSpec, report: ReportSpec, seed: int) -> list[Block]:
    """Return the content of a document: the Regulation 28 report, or a letter."""
    if doc.kind == "report":
        return report_blocks(report, seed)
    return letter_blocks(doc, report, seed)


def render_document(doc: DocSpec, report: ReportSpec, seed: int) -> bytes:
    """Return the bytes of a document, with its content faults (scan, truncation) applied."""
    blocks = document_blocks(doc, report, seed)
    if doc.revision:
        blocks.append(
            Block("para", f"Amended version {doc.revision}: this replaces the earlier one.")
        )
    if doc.fmt == "docx":
        data = render_docx(blocks)
    elif doc.scanned:
        data = render_scanned_pdf(layout(blocks), doc.file_name)
    else:
        data = render_text_pdf(layout(blocks), doc.file_name)
    if doc.truncate_at:
        data = data[: max(1, int(len(data) * doc.truncate_at))]
    return data
