"""Pure page parsing on saved pages of both site generations (tests/fixtures/html)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.areas import area_key, canonical_area
from crawler.parse import parse_listing, parse_report_page, report_id_from_url

HTML = Path(__file__).parent / "fixtures" / "html"
SITE = "https://www.judiciary.uk"
REPORTS = f"{SITE}/prevention-of-future-death-reports"


def page(name: str, url: str):
    return parse_report_page((HTML / f"{name}.html").read_text(encoding="utf-8"), url)


def kinds(parsed) -> dict[str, str]:
    return {d.file_name: d.kind for d in parsed.documents}


def test_current_listing_cards_paging_and_landing_entries():
    listing = parse_listing((HTML / "current_listing.html").read_text(), f"{REPORTS}/")
    assert listing.generation == "current"
    assert listing.links == [
        f"{REPORTS}/ada-fenwick-prevention-of-future-deaths-report/",
        f"{REPORTS}/bertram-okafor-prevention-of-future-deaths-report/",
        f"{SITE}/railwayrelateddeaths/",
        f"{REPORTS}/108008-2/",
    ]
    assert listing.last_page == 615  # the hidden "Page" word does not confuse the number
    assert listing.next_url == f"{REPORTS}/page/2/"


def test_legacy_listing_and_an_empty_search_page():
    url = f"{SITE}/subject/prevention-of-future-deaths/page/2/"
    listing = parse_listing((HTML / "legacy_listing.html").read_text(), url)
    assert listing.generation == "legacy"
    assert listing.links == [
        f"{SITE}/publications/dorothy-marchbank/",
        f"{SITE}/publications/eamon-quigley-2014-0123/",
    ]
    assert listing.last_page == 188
    empty = parse_listing((HTML / "empty_search.html").read_text(), f"{SITE}/page/9/?s&x=1")
    assert empty.links == [] and empty.last_page is None


def test_current_report_with_pasted_text_and_misordered_documents():
    url = f"{REPORTS}/ada-fenwick-prevention-of-future-deaths-report/"
    parsed = page("current_report_2023", url)
    report = parsed.report
    assert parsed.problems == []
    assert report.id == "ada-fenwick-prevention-of-future-deaths-report"
    assert report.generation == "current"
    assert (report.ref, report.ref_raw) == ("2023-0371", "2023 – 0371")
    assert (report.date_of_report, report.date_of_report_raw) == ("2023-10-02", "02/10/2023")
    assert report.date_added == "2023-10-09"
    assert report.deceased_name == "Ada Fenwick"
    assert report.coroner_name == "Harriet Lowe"
    assert (report.coroner_area_raw, report.coroner_area) == (
        "Manchester (South)",
        "Manchester South",
    )
    assert report.categories == ["Suicide (from 2015)", "Mental Health related deaths"]
    assert report.recipients_raw.startswith(
        "Chief Executive, Pennine Vale NHS Foundation Trust and"
    )
    assert report.page_text.startswith("REGULATION 28 REPORT TO PREVENT FUTURE DEATHS")
    assert "The MATTERS OF CONCERN are as follows:\n(1) No discharge plan" in report.page_text
    assert "Date of report" not in report.page_text
    assert kinds(parsed) == {
        "Ada-Fenwick-Prevention-of-future-deaths-report-2023-0371_Published.pdf": "report",
        "2023-0371-Response-from-Pennine-Vale-NHS-Foundation-Trust_Redacted.pdf": "response",
        "2023-0371-Department-of-Health-and-Social-Care.pdf": "response",
        "2023-0371-Response-by-DHSC.pdf": "response",
        "CCG-Response.pdf": "response",
        "Annex-A-timeline.pdf": "other",
    }
    hints = {d.file_name: d.org_hint for d in parsed.documents if d.kind == "response"}
    assert hints["2023-0371-Response-from-Pennine-Vale-NHS-Foundation-Trust_Redacted.pdf"] == (
        "Pennine Vale NHS Foundation Trust"
    )
    assert hints["2023-0371-Department-of-Health-and-Social-Care.pdf"] == (
        "Department of Health and Social Care"
    )
    assert len({d.id for d in parsed.documents}) == len(parsed.documents) == 6


def test_2025_page_with_label_variants_table_text_and_block_button():
    url = f"{REPORTS}/bertram-okafor-prevention-of-future-deaths-report/"
    parsed = page("current_report_2025_table", url)
    report = parsed.report
    assert parsed.problems == []
    assert report.date_of_report == "2025-09-02"
    assert report.ref == "2025-0450"
    assert report.deceased_name == "Bertram Okafor"
    assert report.coroner_name == "Priya Nandakumar"
    assert report.coroner_area == "London Inner North"
    assert (
        report.recipients_raw == "1. Transport for London;\n2. The Secretary of State for Transport"
    )
    assert report.page_text.startswith("1 CORONER\nI am Priya Nandakumar")
    assert [(d.kind, d.file_name) for d in parsed.documents] == [
        ("report", "Bertram-Okafor-Prevention-of-future-deaths-report-2025-0450_Published.pdf")
    ]


def test_legacy_publication_page():
    parsed = page("legacy_publication", f"{SITE}/publications/dorothy-marchbank/")
    report = parsed.report
    assert parsed.problems == []
    assert report.generation == "legacy"
    assert report.date_of_report == "2017-11-17"
    assert report.date_added == "2017-11-24"
    assert report.coroner_name == "Geoffrey Tull"
    assert report.coroner_area == "Plymouth, Torbay and South Devon"  # typo "Devom" matched
    assert report.categories == ["Care Home Health related deaths"]
    assert report.recipients_raw == "Seaview Care Ltd | Care Quality Commission"
    assert kinds(parsed) == {
        "Marchbank-2017-0342.pdf": "report",
        "Marchbank-2017-0342a.pdf": "report",  # named after the deceased only
        "2017-0342-Care-Quality-Commission.pdf": "response",
    }


def test_legacy_page_in_one_paragraph_with_odd_ref_and_yearless_date():
    parsed = page("legacy_publication_2016", f"{SITE}/publications/eamon-quigley-2014-0123/")
    report = parsed.report
    assert (report.ref, report.ref_raw) == ("2016-0396", "2016 – 0396")
    assert report.date_of_report == "2016-08-09"  # "9 August": the year comes from the ref
    assert report.deceased_name == "Eamon Quigley"
    assert report.coroner_area == "County Durham and Darlington"
    assert report.recipients_raw == ""
    # from 2016 on a page is expected to name its recipients
    assert parsed.problems == ["missing field on the page: recipients"]
    assert kinds(parsed) == {
        "Quigley-2016-0396_Redacted.pdf": "report",
        "Quigley-2016-03962.pdf": "report",
    }


def test_summary_pasted_into_the_date_field():
    parsed = page("summary_in_date", f"{SITE}/publications/joan-pettifer/")
    report = parsed.report
    assert report.date_of_report == "2013-12-04"
    assert report.date_of_report_raw.startswith("4 December 2013 Ref: 2013-0324")
    assert (report.ref, report.deceased_name, report.coroner_name) == (
        "2013-0324",
        "Joan Pettifer",
        "Michael Oddy",
    )
    assert report.coroner_area == "Swansea and Neath Port Talbot"


def test_changed_button_class_is_found_but_reported():
    parsed = page("broken_button_class", f"{REPORTS}/108008-2/")
    assert parsed.report.id == "108008-2"
    assert parsed.report.ref == "2019-0001"  # "20199-0001"
    assert parsed.report.date_of_report == "2025-08-14"  # "14/08/25"
    assert parsed.report.recipients_raw == "Betsi Cadwaladr University Health Board"
    assert kinds(parsed) == {"Carys-Pritchard-2019-0001.pdf": "report"}
    assert any("fallback selector" in p for p in parsed.problems)


def test_page_without_a_report_pdf_is_an_error_not_a_skip():
    parsed = page("broken_no_pdf", f"{REPORTS}/gareth-holm/")
    assert parsed.report is not None and parsed.documents == []
    assert "no report document link found on the page" in parsed.problems
    assert "unreadable date of report: '/2022'" in parsed.problems


def test_page_without_fields_is_an_error_and_a_landing_page_is_skipped():
    broken = page("broken_no_fields", f"{REPORTS}/ines-varga/")
    assert broken.report is None and broken.skip_reason == ""
    assert broken.problems == ["no report fields found on the page"]
    landing = page("landing_page", f"{SITE}/railwayrelateddeaths/")
    assert landing.report is None and landing.problems == []
    assert landing.skip_reason == "landing page with no report data"


def test_missing_core_fields_are_problems():
    html = (
        (HTML / "legacy_publication.html")
        .read_text()
        .replace("<p><strong>Ref:</strong> 2017-0342</p>", "")
    )
    parsed = parse_report_page(html, f"{SITE}/publications/dorothy-marchbank/")
    assert parsed.report.ref is None
    assert parsed.problems == ["missing field on the page: ref"]


def test_report_id_is_the_final_slug():
    assert report_id_from_url(f"{REPORTS}/x-y-prevention-of-future-deaths-report/") == (
        "x-y-prevention-of-future-deaths-report"
    )
    assert report_id_from_url(f"{SITE}/publications/108008-2/") == "108008-2"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Manchester (South)", "Manchester South"),
        ("Greater Manchester South", "Manchester South"),
        ("South Manchester", "Manchester South"),
        ("Inner North London", "London Inner North"),
        ("London North (Inner)", "London Inner North"),
        ("London; Inner North London", "London Inner North"),
        ("North London", "London North"),
        ("West Yorkshire (Eastern)", "West Yorkshire East"),
        ("Yorkshire West Western", "West Yorkshire West"),
        (
            "Stoke-on-Trent & North Staffordshire Coroner\u2019s Court",
            "Stoke-on-Trent and North Staffordshire",
        ),
        ("Birmimgham and Solihull", "Birmingham and Solihull"),
        ("Teeside and Hartlepool", "Teesside and Hartlepool"),
        ("Cornwall and the Isle of Scilly", "Cornwall and the Isles of Scilly"),
        ("Kent (South East & Central)", "Kent Central and South East"),
        ("Surrey\n", "Surrey"),
        ("Atlantis Marshes", "Atlantis Marshes"),
        ("", ""),
    ],
)
def test_canonical_area(raw, canonical):
    assert canonical_area(raw) == canonical


def test_area_key_ignores_word_order_and_filler():
    assert area_key("London Inner (North)") == area_key("Inner North London")
    assert area_key("Bedfordshire & Luton Coroner Service") == area_key("Bedfordshire and Luton")
    assert area_key("Manchester North") != area_key("Manchester South")
