"""Text extraction: layout clean-up, engines, OCR, and files that cannot be read."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import docx
import pytest

from nlp.pdf import ExtractOptions, extract_document, sniff_type
from nlp.pdf_layout import Line, PageLines, assemble_text, text_quality
from nlp.pdf_ocr import tesseract_available
from tests.conftest import shared_data_file
from tests.fixtures.pdf.reg28_pdf import (
    Reg28,
    build_encrypted_pdf,
    build_image_pdf,
    build_long_pdf,
    build_report_pdf,
    text_image,
)

CIRCUMSTANCES = (
    "Mr Example lived alone in a ground floor flat and was visited twice a day by carers. "
    "On 3 January 2023 a carer found him on the floor of his kitchen. "
) * 12
needs_tesseract = pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def token_f1(a: str, b: str) -> float:
    ta, tb = Counter(re.findall(r"\w+", a.lower())), Counter(re.findall(r"\w+", b.lower()))
    common = sum((ta & tb).values())
    return 0.0 if not common else 2 * common / (sum(ta.values()) + sum(tb.values()))


def page(number: int, texts: list[tuple[str, float]]) -> PageLines:
    return PageLines(number, 842.0, [Line(t, top, top + 10) for t, top in texts])


def test_running_headers_footers_and_page_numbers_are_dropped():
    bodies = ["The inquest opened in May.", "Evidence was heard from staff.", "The jury retired."]
    pages = [
        page(
            n,
            [
                ("HM Coroner Northshire - Report", 30),
                (body, 100),
                ("It went on.", 114),
                (f"Page {n + 1} of 3", 800),
            ],
        )
        for n, body in enumerate(bodies)
    ]
    text = assemble_text(pages)
    assert "HM Coroner Northshire" not in text
    assert "Page" not in text
    assert all(body in text for body in bodies)


def test_a_lone_number_at_the_top_followed_by_a_heading_is_kept():
    pages = [
        page(0, [("6", 60), ("ACTION SHOULD BE TAKEN", 60.5)]),
        page(1, [("7", 60), ("YOUR", 70)]),
    ]
    text = assemble_text([page(0, [("6", 70), ("ACTION SHOULD BE TAKEN", 74)])])
    assert text.startswith("6\nACTION")
    assert "7" in assemble_text(pages)


def test_hyphenated_line_breaks_are_joined():
    text = assemble_text(
        [
            page(
                0,
                [
                    ("The patient was taken to Burton-on-", 100),
                    ("Trent hospital and re-", 114),
                    ("assessed; the reassessed plan was written.", 128),
                ],
            )
        ]
    )
    assert "Burton-on-Trent\n" in text
    assert "hospital and reassessed;" in text  # the document also spells it without a hyphen


def test_quality_separates_prose_from_a_broken_text_layer():
    prose = "The coroner heard evidence that the patient was not seen by a doctor for two days."
    garbage = "Wkh#frurqhu#khdug#hylghqfh#wkdw#wkh#sdwlhqw " * 5
    assert text_quality(prose) > 0.9
    assert text_quality(garbage) < 0.3
    assert text_quality("\ue000\ue001\ue002 \ue003\ue004") == 0.0


def test_generated_report_reads_the_same_with_both_engines(tmp_path):
    spec = Reg28(
        investigation="On 2 January 2023 I commenced an investigation.",
        circumstances=CIRCUMSTANCES,
        concerns="(1) No risk assessment was made.",
        blank_lines=100,
    )
    path = write(tmp_path, "report.pdf", build_report_pdf(spec))
    fast = extract_document(path, "report", ExtractOptions(engine="pdfium", ocr=False))
    slow = extract_document(path, "report", ExtractOptions(engine="pdfplumber", ocr=False))
    assert fast.text_source == "pdf" and fast.pages == 2
    assert fast.quality > 0.9 and not fast.needs_ocr
    assert token_f1(fast.text, slow.text) > 0.99
    assert fast.text.lstrip().startswith("REGULATION 28")
    assert "Page 1" not in fast.text and "Page 2" not in fast.text
    assert "CORONER’S CONCERNS" in fast.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "corrupt PDF"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".doc"),
        (b"PK\x03\x04not really a zip", "zip"),
        (b"just some bytes", "unrecognised"),
    ],
)
def test_unreadable_files_give_a_clear_error_not_an_exception(tmp_path, data, message):
    result = extract_document(write(tmp_path, "bad.pdf", data), "report")
    assert result.text == "" and result.text_source == "none"
    assert message in result.error


def test_encrypted_pdf_needing_a_password_is_reported(tmp_path):
    result = extract_document(write(tmp_path, "locked.pdf", build_encrypted_pdf()), "report")
    assert result.error == "encrypted PDF: a password is needed to open it"


def test_missing_file_is_reported(tmp_path):
    assert "file not found" in extract_document(tmp_path / "nowhere.pdf").error


def test_docx_report_is_read_with_tables_in_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("REGULATION 28 REPORT TO PREVENT FUTURE DEATHS")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "1", "CORONER"
    table.cell(1, 0).text, table.cell(1, 1).text = (
        "",
        "I am Jo Bloggs, coroner for the area of Kent.",
    )
    document.add_paragraph("Signed by the coroner.")
    path = tmp_path / "report.docx"
    document.save(path)
    result = extract_document(path, "report")
    assert sniff_type(path) == "docx"
    assert result.text_source == "docx"
    assert result.text.split("\n")[:3] == [
        "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS",
        "1 CORONER",
        "I am Jo Bloggs, coroner for the area of Kent.",
    ]


def scanned_report(tmp_path: Path) -> Path:
    lines = [
        "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS",
        "",
        "1 CORONER",
        "I am Jane Example, Senior Coroner, for the coroner area of Northshire.",
        "",
        "4 CIRCUMSTANCES OF THE DEATH",
        "The deceased fell from a ladder at work.",
    ]
    return write(tmp_path, "scan.pdf", build_image_pdf([text_image(lines)]))


def test_image_only_pdf_without_tesseract_is_flagged(tmp_path):
    result = extract_document(scanned_report(tmp_path), "report", ExtractOptions(ocr=False))
    assert result.needs_ocr
    assert "tesseract is not available" in result.error
    assert result.text_source == "none"


@needs_tesseract
def test_image_only_pdf_is_read_by_ocr(tmp_path):
    result = extract_document(scanned_report(tmp_path), "report")
    assert result.text_source == "ocr" and result.ocr_pages == 1
    assert "coroner area of Northshire" in result.text
    assert "fell from a ladder" in result.text


def test_long_pdf_is_read_to_the_page_limit(tmp_path):
    path = write(tmp_path, "bundle.pdf", build_long_pdf(60, lines_per_page=5))
    result = extract_document(path, "other", ExtractOptions(max_pages=40, ocr=False))
    assert result.pages == 60
    assert "Exhibit page 40 line 5" in result.text
    assert "Exhibit page 41" not in result.text
    assert result.error == "only the first 40 of 60 pages were read"


@pytest.mark.parametrize(
    "name", ["Amy_Henderson.pdf", "Jodie_McCann.pdf", "Joseph_Maunick.pdf", "Peter_Lawrence.pdf"]
)
def test_real_pdfs_have_clean_text(name):
    result = extract_document(shared_data_file(f"pdfs/{name}"), "report", ExtractOptions(ocr=False))
    assert result.text_source == "pdf" and result.quality > 0.95
    assert result.text.lstrip().upper().startswith("REGULATION 28")
    assert "THIS REPORT IS BEING SENT TO" in " ".join(result.text.split())
    assert not re.search(r"\w{25,}", result.text), "words run together"


def test_real_scan_with_an_ocr_layer_is_marked_ocr():
    result = extract_document(
        shared_data_file("pdfs/Chris_Evans.pdf"), "report", ExtractOptions(ocr=False)
    )
    assert result.text_source == "ocr" and result.ocr_pages == 0
    assert "CIRCUMSTANCES OF THE DEATH" in result.text


def test_dropped_space_glyphs_are_restored_in_a_word_pdf():
    text = extract_document(shared_data_file("pdfs/Amy_Henderson.pdf"), "report").text
    assert "FUTURE DEATHS THIS REPORT" in text.replace("\n", " ")
    assert "Justice Act 2009 and Regulations" in text.replace("\n", " ")
