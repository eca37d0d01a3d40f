"""Regulation 28 sections and the facts read from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.pdf import ExtractOptions, extract_document
from nlp.report_facts import (
    parse_cause,
    parse_conclusion,
    parse_coroner,
    parse_deadline,
    parse_recipients,
    parse_report_facts,
    split_concerns,
)
from nlp.sections import choose_split, split_sections
from tests.conftest import shared_data_file
from tests.fixtures.pdf.reg28_pdf import Reg28, build_report_pdf

FORM = """REGULATION 28 REPORT TO PREVENT FUTURE DEATHS
THIS REPORT IS BEING SENT TO:
1. Chief Executive, Northshire Partnership NHS Foundation Trust
2. Secretary of State for Health and Social Care
{n1}CORONER
I am Alex Sample, Area Coroner, for the coroner area of Northshire and Westdale.
{n2}CORONER{apos}S LEGAL POWERS
I make this report under paragraph 7, Schedule 5, of the Coroners and Justice Act 2009.
{n3}INVESTIGATION and INQUEST
On 4 May 2022 I commenced an investigation into the death of Sam Person aged 34.
The medical cause of death was 1a Hanging. The conclusion of the inquest was suicide.
{n4}CIRCUMSTANCES OF THE DEATH
Sam was discharged from the ward without a care plan and died two days later.
{n5}CORONER{apos}S CONCERNS
During the course of the inquest the evidence revealed matters giving rise to concern.
The MATTERS OF CONCERN are as follows:
(1) There was no written care plan on discharge.
(2) Action should be taken
to review how families are told about discharge.
{n6}ACTION SHOULD BE TAKEN
In my opinion action should be taken to prevent future deaths.
{n7}YOUR RESPONSE
You are under a duty to respond to this report within 56 days of the date of this report,
namely by 30th June 2023. I, the coroner, may extend the period.
{n8}COPIES and PUBLICATION
I have sent a copy of my report to the Chief Coroner.
9 5 May 2023 Alex Sample
"""
CORE = [
    "sent_to",
    "coroner",
    "legal_powers",
    "investigation",
    "circumstances",
    "concerns",
    "action",
    "response",
    "copies",
    "signature",
]


def form(numbering: str = "{}\t", apos: str = "’", case: str = "upper") -> str:
    numbers = {f"n{i}": numbering.format(i) for i in range(1, 9)}
    text = FORM.format(apos=apos, **numbers)
    if case == "lower":
        for heading in (
            "CORONER",
            "LEGAL POWERS",
            "INVESTIGATION and INQUEST",
            "CONCERNS",
            "CIRCUMSTANCES OF THE DEATH",
            "ACTION SHOULD BE TAKEN",
            "YOUR RESPONSE",
        ):
            text = text.replace(f"{heading}\n", f"{heading.title()}\n")
    return text


@pytest.mark.parametrize(
    ("numbering", "apos", "case"),
    [
        ("{}\t", "’", "upper"),
        ("{}. ", "'", "upper"),
        ("{}) ", "’", "lower"),
        ("", "'", "upper"),
        ("{}\n", "’", "upper"),
        ("{}\n\n", "'", "lower"),
    ],
)
def test_every_section_is_found_whatever_the_numbering_and_case(numbering, apos, case):
    split = split_sections(form(numbering, apos, case), "pdf")
    assert list(split.sections) == CORE
    assert split.sections["circumstances"].startswith("Sam was discharged")
    assert split.sections["concerns"].endswith("review how families are told about discharge.")
    assert (
        split.sections["action"] == "In my opinion action should be taken to prevent future deaths."
    )
    assert split.sections["signature"] == "5 May 2023 Alex Sample"


def test_leading_blank_lines_and_a_title_run_into_the_recipient_heading():
    text = "\n" * 100 + form().replace(
        "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\nTHIS REPORT IS BEING SENT TO:",
        "REGULATION 28 REPORT TO PREVENT\nFUTURE DEATHS THIS REPORT IS BEING SENT\nTO:",
    )
    sections = split_sections(text).sections
    assert sections["sent_to"].startswith("1. Chief Executive, Northshire")


def test_missing_headings_leave_the_neighbours_intact():
    text = (
        form().replace("6\tACTION SHOULD BE TAKEN\n", "").replace("2\tCORONER’S LEGAL POWERS\n", "")
    )
    sections = split_sections(text).sections
    assert "action" not in sections and "legal_powers" not in sections
    assert sections["coroner"].endswith("Justice Act 2009.")
    assert sections["concerns"].endswith(
        "In my opinion action should be taken to prevent future deaths."
    )
    assert sections["response"].startswith("You are under a duty")


def test_pre_inquest_form_heading():
    sections = split_sections(
        form().replace("3\tINVESTIGATION and INQUEST", "3 INVESTIGATION")
    ).sections
    assert sections["investigation"].startswith("On 4 May 2022 I commenced")


def test_page_text_without_line_breaks_is_split():
    one_line = " ".join(form().split())
    sections = split_sections(one_line, "html").sections
    assert set(CORE) - {"signature"} <= set(sections)
    assert sections["circumstances"] == (
        "Sam was discharged from the ward without a care plan and died two days later."
    )


def test_the_more_complete_text_wins_and_ties_keep_the_first():
    full, partial = split_sections(form(), "pdf"), split_sections(form()[:900], "html")
    assert choose_split([partial, full]).source == "pdf"
    assert (
        choose_split([split_sections(form(), "pdf"), split_sections(form(), "html")]).source
        == "pdf"
    )
    assert choose_split([split_sections("nothing here", "pdf")]) is None


def test_facts_of_a_report():
    facts = parse_report_facts(split_sections(form()).sections)
    assert (facts.coroner_name, facts.coroner_area) == ("Alex Sample", "Northshire and Westdale")
    assert facts.response_deadline == "2023-06-30"
    assert facts.response_deadline_raw == "30th June 2023"
    assert facts.cause_of_death == "1a Hanging"
    assert facts.conclusion == "suicide"
    assert facts.recipients == [
        "Chief Executive, Northshire Partnership NHS Foundation Trust",
        "Secretary of State for Health and Social Care",
    ]
    assert facts.concerns == [
        "There was no written care plan on discharge.",
        "Action should be taken to review how families are told about discharge.",
    ]


@pytest.mark.parametrize(
    ("sentence", "name", "area"),
    [
        (
            "I am Caroline Topping assistant coroner, for the coroner area of Surrey.",
            "Caroline Topping",
            "Surrey",
        ),
        (
            "I am Dr. Peter Harrowing, LLM, Area Coroner, for the coroner Area of Avon",
            "Dr. Peter Harrowing",
            "Avon",
        ),
        (
            "I am Peter TAHERI, Assistant Coroner for the coroner area of Suffolk",
            "Peter TAHERI",
            "Suffolk",
        ),
        (
            "I am Alison Mutch OBE, HM Senior Coroner, for the area of Greater Manchester (South).",
            "Alison Mutch OBE",
            "Greater Manchester (South)",
        ),
        (
            "I am Mary Smith, Senior Coroner for West Yorkshire (Eastern).",
            "Mary Smith",
            "West Yorkshire (Eastern)",
        ),
    ],
)
def test_coroner_name_and_area(sentence, name, area):
    assert parse_coroner(sentence) == (name, area)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("namely by 16th June 2023. I, the coroner", "2023-06-16"),
        ("namely by May 22, 2024. I, the coroner", "2024-05-22"),
        ("namely by 05/07/2023.", "2023-07-05"),
        ("namely by the 1st of March 2024, I the coroner", "2024-03-01"),
        ("namely by [DATE]. I, the coroner", None),
    ],
)
def test_response_deadline(text, iso):
    assert parse_deadline(text)[0] == iso


def test_cause_of_death_parts_and_ocr_variants():
    assert parse_cause("His cause of death was:\n1a Septic Shock\n1b Abscess\n\n2 Diabetes") == (
        "1a Septic Shock; 1b Abscess; 2 Diabetes"
    )
    assert (
        parse_cause(
            "the medical cause of death was l(a)Acute ischaemia; 1(b) Atheroma and the "
            "conclusion as to the death was accident"
        )
        == "1a Acute ischaemia; 1b Atheroma"
    )
    assert parse_cause("The medical cause of death was multiple injuries.") == "multiple injuries"


def test_conclusion_variants():
    assert parse_conclusion(
        "The jury concluded with a narrative conclusion and found that: 1."
    ) == ("narrative conclusion")
    assert parse_conclusion("I recorded a conclusion of Misadventure.") == "Misadventure"
    both = (
        "The conclusion was that the medical cause of death was 1a X and the conclusion as to "
        "the death was that 'He died of an accident'"
    )
    assert parse_conclusion(both) == "He died of an accident"


def test_recipients_drop_addresses_and_keep_numbered_items():
    section = (
        "1 The Rt Hon Jane Minister MP\nSecretary of State for Health\n39 Victoria Street\n"
        "London\nSW1H 0EU\n2 Chief Executive for NHS England\nPO Box 16738\nRedditch"
    )
    assert parse_recipients(section) == [
        "The Rt Hon Jane Minister MP Secretary of State for Health",
        "Chief Executive for NHS England",
    ]
    assert parse_recipients("Chief Executive Swansea Bay University Health Board") == [
        "Chief Executive Swansea Bay University Health Board"
    ]


MATTERS = "The MATTERS OF CONCERN are as follows:\n"
PREAMBLE = (
    "During the course of the inquest the evidence revealed matters giving rise to concern. "
    "In my opinion there is a risk. In the circumstances it is my statutory duty to report to you."
)


@pytest.mark.parametrize(
    ("body", "items"),
    [
        (MATTERS + "1. First concern here.\n2. Second one.\na) a sub point\n3. Third one.", 3),
        (MATTERS + "(i) One concern that matters.\n(ii) Another one that matters.", 2),
        (MATTERS + "• Bullet concern number one.\n• Bullet concern number two.", 2),
        (MATTERS + "(I) OCR misread the first marker here.\n(2) The second is fine though.", 2),
        (MATTERS.strip() + " (1) inline first (2) inline second (3) inline third", 3),
        (PREAMBLE + "\nThe trust had no policy for checking the observations of patients.", 1),
    ],
)
def test_concern_items(body, items):
    found = split_concerns(body)
    assert len(found) == items
    assert not any(item.startswith(("(", "•", "1.", "MATTERS")) for item in found)


def test_generated_pdf_report_round_trip(tmp_path: Path):
    spec = Reg28(
        investigation="On 1 March 2023 I commenced an investigation. The conclusion of the inquest "
        "was accident. The medical cause of death was 1a Head injury",
        circumstances="John fell down the stairs at his home on 28 February 2023.",
        concerns="The MATTERS OF CONCERN are as follows:\n(1) The falls policy was not followed.\n"
        "(2) Nobody checked the handrail.",
        numbering="lonely",
        heading_case="title",
        blank_lines=100,
    )
    path = tmp_path / "r.pdf"
    path.write_bytes(build_report_pdf(spec))
    split = split_sections(extract_document(path, "report").text, "pdf")
    assert list(split.sections) == CORE
    facts = parse_report_facts(split.sections)
    assert facts.concerns == ["The falls policy was not followed.", "Nobody checked the handrail."]
    assert facts.coroner_area == "Northshire"


EXPECTED = {
    "Amy_Henderson.pdf": ("Caroline Topping", "Surrey", "2023-06-16", 2),
    "Chris_Evans.pdf": ("Dr. Peter Harrowing", "Avon", "2023-06-19", 6),
    "Jodie_McCann.pdf": ("Dr Elizabeth Didcock", "Nottinghamshire", "2023-06-16", 4),
    "Joseph_Maunick.pdf": ("Peter TAHERI", "Suffolk", "2023-06-15", 2),
    "Peter_Lawrence.pdf": ("Mrs Heidi J. Connor", "Berkshire", "2023-06-16", 2),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_reports_yield_their_sections_and_facts(name):
    result = extract_document(shared_data_file(f"pdfs/{name}"), "report", ExtractOptions(ocr=False))
    split = split_sections(result.text, result.text_source)
    assert set(CORE) - {"signature"} <= set(split.sections)
    facts = parse_report_facts(split.sections)
    coroner, area, deadline, concerns = EXPECTED[name]
    assert (facts.coroner_name, facts.coroner_area) == (coroner, area)
    assert facts.response_deadline == deadline
    assert len(facts.concerns) == concerns
