"""Document links classified by file name and link text, never by position."""

from __future__ import annotations

import pytest

from crawler.bodies import body_problems, file_extension
from crawler.documents import classify_document, classify_page_documents, org_hint
from tracker.models import Document

UP = "https://www.judiciary.uk/wp-content/uploads/2023/10/"


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("Ada-Fenwick-Prevention-of-future-deaths-report-2023-0371_Published.pdf", "", "report"),
        ("Sara-Jones-Prevention-of-future-deaths-report-2023-0118-2_Published-.pdf", "", "report"),
        ("Further-PFD-report-Claire-Roe-Redacted.pdf", "", "report"),
        ("2023-0371-Response-from-NHS-England_Redacted.pdf", "", "response"),
        ("2023-0371-Response-by-DHSC.pdf", "", "response"),
        ("2023-0032-Respomse-from-Royal-Cornwall-Hospital-.pdf", "", "response"),
        ("CCG-Response.pdf", "", "response"),
        ("2019-0255-South-Central-Ambulance-Service-NHS-Trust.pdf", "", "response"),
        ("2023-0371-Letter-from-the-Minister.pdf", "", "response"),
        ("doc1.pdf", "Reply from the Chief Constable", "response"),
        ("Annex-A-timeline.pdf", "Annex A", "other"),
        ("2026-0150-accompanying-letter_Redacted.pdf", "Response", "other"),  # name first
        ("Elsie-ClarkeR.pdf", "", "report"),  # a trailing R marks a redacted copy
        ("Portland-2017-0049a.pdf", "", "report"),  # named after the deceased only
    ],
)
def test_classify_document(name, text, kind):
    deceased = {
        "Elsie-ClarkeR.pdf": "Elsie Clarke",
        "Portland-2017-0049a.pdf": "June Portland",
    }.get(name, "Ada Fenwick")
    assert classify_document(UP + name, text, "2023-0371", deceased) == kind


def test_the_button_marks_the_report_when_nothing_else_does():
    assert classify_document(UP + "scan0001.pdf", "Download", None, "", button=True) == "report"
    assert classify_document(UP + "scan0001.pdf", "Download", None, "", button=False) == "response"


@pytest.mark.parametrize(
    ("name", "text", "org"),
    [
        (
            "2023-0371-Response-from-Pennine-Vale-NHS-Foundation-Trust_Redacted.pdf",
            "",
            "Pennine Vale NHS Foundation Trust",
        ),
        ("2022-0225-Responses-from-NHS-England.pdf", "", "NHS England"),
        ("2023-0371-Response-by-DHSC.pdf", "", "DHSC"),
        (
            "2020-0219-Further-response-and-update-from-Cornwall-Partnership-NHS-Foundation-Trust_Published.pdf",
            "",
            "Cornwall Partnership NHS Foundation Trust",
        ),
        (
            "2020-0054-Response-from-Lewisham-and-Greenwich-NHS-Trust.-Redacted.pdf",
            "",
            "Lewisham and Greenwich NHS Trust",
        ),
        (
            "2019-0255-South-Central-Ambulance-Service-NHS-Trust.pdf",
            "",
            "South Central Ambulance Service NHS Trust",
        ),
        ("CCG-Response.pdf", "", "CCG"),
        ("2022-0194-Response-letter-1.pdf", "", ""),
        ("2017-0244-Response2.pdf", "", ""),
        ("2019-0446-Response-from-Barts-NHS-Trust-R.pdf", "", "Barts NHS Trust"),
        ("2018-0079-Response-by-N.I.C.E.pdf", "", "N.I.C.E"),
        (
            "2023-0371-Response.pdf",
            "Response from Eastshire Police (PDF, 120KB)",
            "Eastshire Police",
        ),
    ],
)
def test_org_hint(name, text, org):
    assert org_hint(UP + name, text, "2023-0371") == org


def _doc(name: str, position: int) -> Document:
    return Document(
        id=name, report_id="r", url=UP + name, kind="", file_name=name, position=position
    )


def test_page_rules_ignore_link_order():
    names = [
        "2014-0412-Response-by-NOMS.pdf",
        "Mahathevan-2014-0412a.pdf",
        "Mahathevan-2014-0412.pdf",
    ]
    for order in (names, list(reversed(names))):
        docs = [_doc(n, i) for i, n in enumerate(order)]
        classify_page_documents(docs, "2014-0412", "Satheeskumar Mahathevan", set())
        kinds = {d.file_name: d.kind for d in docs}
        assert kinds == {  # a letter after the ref may mark an amended report: still a report
            "2014-0412-Response-by-NOMS.pdf": "response",
            "Mahathevan-2014-0412a.pdf": "report",
            "Mahathevan-2014-0412.pdf": "report",
        }
        assert [d.org_hint for d in docs if d.file_name.startswith("2014")] == ["NOMS"]


def test_a_page_without_a_recognisable_report_makes_its_one_unexplained_file_the_report():
    docs = [_doc("MOD-Response.pdf", 0), _doc("Savage-Flint-Hetherington.pdf", 1)]
    classify_page_documents(docs, None, "William Savage", set())
    assert [d.kind for d in docs] == ["response", "report"]
    misspelt = [_doc("Gary-Clarkson-2019-0459.pdf", 0)]  # the page says "Garry"
    classify_page_documents(misspelt, "2019-0459", "Garry Clarkson", set())
    assert misspelt[0].kind == "report"
    extra = [_doc("Thomas-Jasckson-2018-0419.pdf", 0), _doc("Thomas-Jasckson-2018-04192.pdf", 1)]
    button = {extra[0].url}
    classify_page_documents(extra, "2018-0419", "Thomas Jackson", button)
    assert [d.kind for d in extra] == ["report", "response"]


def test_file_extension_and_body_checks():
    assert file_extension(UP + "a.PDF") == "pdf"
    assert file_extension(UP + "download", "application/pdf") == "pdf"
    assert file_extension(UP + "a.docx") == "docx"
    good = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
    assert body_problems(good, "pdf", str(len(good))) == []
    assert "no %%EOF" in body_problems(good[:20], "pdf")[0]
    assert "Content-Length mismatch" in body_problems(good, "pdf", "999")[0]
    assert body_problems(b"<html>", "pdf")[0].startswith("not a PDF")
    assert body_problems(good, "pdf", None, ["dataloss"])[0].startswith("truncated download")
    assert "zip end record" in body_problems(b"PK\x03\x04 partial", "docx")[0]
