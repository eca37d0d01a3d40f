"""Splitting recipient fields, and the recipients task over the store."""

from __future__ import annotations

import pytest

from nlp import organisations, recipients
from nlp.organisations import OrgMatcher
from nlp.recipients import build_splitter, due_date, split_text
from nlp.register import load_register
from tracker.db import upsert_report
from tracker.models import Report, stable_id


@pytest.fixture(scope="module")
def splitter():
    return build_splitter(OrgMatcher(load_register()))


def orgs(splitter, text: str) -> list[str]:
    return [r.org_text for r in split_text(splitter, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Derby and Burton NHS FT", ["Derby and Burton NHS FT"]),
        (
            "Tees, Esk and Wear Valleys NHS Foundation Trust and Cambridgeshire and Peterborough"
            " NHS Foundation Trust",
            [
                "Tees, Esk and Wear Valleys NHS Foundation Trust",
                "Cambridgeshire and Peterborough NHS Foundation Trust",
            ],
        ),
        (
            "Department of Health and Social Care and Priory Group",
            ["Department of Health and Social Care", "Priory Group"],
        ),
        ("CQC; NHS England | Home Office", ["CQC", "NHS England", "Home Office"]),
        (
            "Larkspur Rise Nursing Home and Care Quality Commission",
            ["Larkspur Rise Nursing Home", "Care Quality Commission"],
        ),
        ("LNER and Network Rail", ["LNER", "Network Rail"]),
        ("Camden & Islington NHS Trust", ["Camden & Islington NHS Trust"]),
        (
            "Rochdale and Oldham Clinical Commissioning Groups",
            ["Rochdale Clinical Commissioning Group", "Oldham Clinical Commissioning Group"],
        ),
        (
            "Cumberland, Westmorland and Furness Council",
            ["Cumberland, Westmorland and Furness Council"],
        ),
        (
            "Stars Support Ltd, Care Quality Commission and South West Yorkshire Partnership NHS"
            " Foundation Trust",
            [
                "Stars Support Ltd",
                "Care Quality Commission",
                "South West Yorkshire Partnership NHS Foundation Trust",
            ],
        ),
    ],
)
def test_split_keeps_names_whole_and_cuts_between_bodies(splitter, text, expected):
    assert orgs(splitter, text) == expected


def test_person_and_role_are_separated_from_the_organisation(splitter):
    first, second = split_text(
        splitter,
        "Mr John Smith, Medical Director of Derby and Burton NHS FT; "
        "Chief Executive, Sussex Partnership NHS Foundation Trust",
    )
    assert (first.person, first.role, first.org_text) == (
        "Mr John Smith",
        "Medical Director",
        "Derby and Burton NHS FT",
    )
    assert (second.person, second.role, second.org_text) == (
        None,
        "Chief Executive",
        "Sussex Partnership NHS Foundation Trust",
    )


def test_numbered_list_with_people_roles_and_addresses(splitter):
    text = (
        "1. Chief Executive, Kent County Council\n"
        "2. Ms Jane Roe, Chief Executive, NHS England, Wellington House, London SE1 8UG\n"
        "3. The Secretary of State for Health and Social Care"
    )
    found = split_text(splitter, text)
    assert [r.org_text for r in found] == [
        "Kent County Council",
        "NHS England",
        "The Secretary of State for Health and Social Care",
    ]
    assert found[1].person == "Ms Jane Roe" and "SE1 8UG" in found[1].raw


def test_brackets_hold_a_role_and_body(splitter):
    (first, second) = split_text(
        splitter,
        "Dr Ann Lee (Chief Executive, Leeds Teaching Hospitals NHS Trust) and Mr Bo Kay, "
        "Chief Constable, West Yorkshire Police",
    )
    assert (first.person, first.role, first.org_text) == (
        "Dr Ann Lee",
        "Chief Executive",
        "Leeds Teaching Hospitals NHS Trust",
    )
    assert (second.person, second.org_text) == ("Mr Bo Kay", "West Yorkshire Police")


def test_various_recipients_defers_to_the_report(splitter):
    assert split_text(splitter, "Various recipients - please see the report.") == []
    assert (
        split_text(splitter, "This report is being sent to: NHS England")[0].org_text
        == "NHS England"
    )


def test_due_date_is_56_days_after_the_report():
    assert due_date("2024-01-10") == "2024-03-06"
    assert due_date("") is None
    assert due_date("10/01/2024") is None


def add_report(db, rid: str, recipients_raw: str, when: str = "2023-05-02", source="html"):
    upsert_report(
        db,
        Report(
            id=rid,
            url=f"https://example.org/{rid}/",
            date_of_report=when,
            recipients_raw=recipients_raw,
            source=source,
        ),
    )


def test_run_writes_matched_recipients_with_stable_ids(db, config):
    organisations.run(db, config, progress=False)
    add_report(db, "a-smith", "Pennine Care NHS Trust and Bolton Council")
    add_report(db, "b-jones", "Various recipients - please see the report")
    db["report_facts"].insert(
        {"report_id": "b-jones", "recipients_from_pdf": "Chief Executive NWAS\nHM Prison Leeds"}
    )
    counts = recipients.run(db, config, progress=False)
    assert (counts["new"], counts["recipients"], counts["no_recipients"]) == (2, 4, 0)
    first = db["recipients"].get(stable_id("a-smith", "1"))
    assert first["organisation_id"] == "RT2"
    assert (first["org_type"], first["nhs_trust_subtype"]) == (
        "nhs_trust",
        "mental_health_and_community",
    )
    assert (first["match_method"], first["source"], first["due_date"]) == (
        "alias",
        "html",
        "2023-06-27",
    )
    assert first["matched_on"] == "pennine care"
    council = db["recipients"].get(stable_id("a-smith", "2"))
    assert (council["org_type"], council["match_method"], council["organisation_id"]) == (
        "local_authority",
        "pattern",
        None,
    )
    pdf = list(db.query("SELECT * FROM recipients WHERE report_id = 'b-jones' ORDER BY position"))
    assert [(r["source"], r["role"], r["organisation_id"]) for r in pdf] == [
        ("pdf", "Chief Executive", "RX7"),
        ("pdf", None, "hmp-leeds"),
    ]


def test_rerun_changes_nothing_and_a_changed_field_replaces_its_rows(db, config):
    add_report(db, "c-brown", "NHS England; CQC; Home Office")
    recipients.run(db, config, progress=False)
    again = recipients.run(db, config, progress=False)
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 1)
    add_report(db, "c-brown", "NHS England; CQC")
    changed = recipients.run(db, config, progress=False)
    assert changed["updated"] == 1
    assert db["recipients"].count_where("report_id = 'c-brown'") == 2


def test_a_report_without_recipients_is_counted_and_logged_once(db, config):
    add_report(db, "d-green", "")
    assert recipients.run(db, config, progress=False)["no_recipients"] == 1
    recipients.run(db, config, progress=False)
    assert db["errors"].count_where("report_id = 'd-green' AND kind = 'no_recipients'") == 1


def test_imported_reports_say_so(db, config):
    add_report(db, "e-white", "Surrey Police", source="import")
    recipients.run(db, config, progress=False)
    assert db["recipients"].get(stable_id("e-white", "1"))["source"] == "import"


def test_run_reads_a_shared_abbreviation_by_the_coroner_area(db, config):
    organisations.run(db, config, progress=False)
    for rid, area in (("c-west", "Cornwall and the Isles of Scilly"), ("c-east", "Peterborough")):
        upsert_report(
            db,
            Report(
                id=rid,
                url=f"https://example.org/{rid}/",
                date_of_report="2023-05-02",
                recipients_raw="CPFT",
                coroner_area=area,
            ),
        )
    recipients.run(db, config, progress=False)
    west = db["recipients"].get(stable_id("c-west", "1"))
    east = db["recipients"].get(stable_id("c-east", "1"))
    assert (west["organisation_id"], east["organisation_id"]) == ("RJ8", "RT1")
