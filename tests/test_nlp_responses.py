"""Assigning response documents to the recipients they answer."""

from __future__ import annotations

import pytest

from nlp import organisations, recipients, responses
from nlp.organisations import OrgMatcher
from nlp.register import load_register
from nlp.response_match import (
    Candidate,
    evidence_from_file_name,
    initials,
    match_response,
    upload_date,
)
from tracker.db import upsert_documents, upsert_report
from tracker.models import Document, Report, stable_id


@pytest.fixture(scope="module")
def matcher():
    return OrgMatcher(load_register())


def cands(matcher, *texts: str) -> list[Candidate]:
    found = []
    for i, text in enumerate(texts):
        m = matcher.match(text)
        found.append(
            Candidate(f"r{i}", m.organisation_id, m.org_type, m.nhs_trust_subtype, (text,))
        )
    return found


def ids(verdicts) -> list[str]:
    return [v.recipient_id for v in verdicts]


def test_file_names_are_reduced_to_the_body():
    assert (
        evidence_from_file_name("2031-0417-Response-from-Lancashire-Constabulary.-Redactedx.pdf")
        == "Lancashire Constabulary"
    )
    assert evidence_from_file_name("2031-0588-Response-from-Sussex-Police-14.03.pdf") == (
        "Sussex Police"
    )
    assert (
        evidence_from_file_name("Ada-QUINTRELL-Response.pdf", frozenset({"ada", "quintrell"})) == ""
    )
    assert upload_date("https://x/wp-content/uploads/2019/07/a.pdf") == "2019-07-28"
    assert initials("Independent Office for Police Conduct") == "IOPC"


def test_each_body_gets_its_own_response(matcher):
    people = cands(matcher, "Greater Manchester Police", "Lancashire Constabulary", "NPCC")
    got = match_response(matcher, [("file_name", ["Lancashire Constabulary"])], people)
    assert ids(got) == ["r1"] and got[0].method == "register:file_name"
    got = match_response(matcher, [("file_name", ["National Police Chiefs Council"])], people)
    assert ids(got) == ["r2"]


def test_one_letter_from_two_bodies_answers_both(matcher):
    people = cands(matcher, "Powys Teaching Health Board", "Powys County Council", "CQC")
    evidence = [("file_name", ["Powys County Council", "Powys Teaching Health Board"])]
    assert ids(match_response(matcher, evidence, people)) == ["r0", "r1"]


def test_a_renamed_body_answers_for_its_old_name_once_renamed(matcher):
    people = cands(matcher, "Department of Health", "NHS England")
    got = match_response(
        matcher, [("file_name", ["Department of Health and Social Care"])], people, "2019-05-28"
    )
    assert ids(got) == ["r0"] and got[0].method == "successor:file_name"
    early = match_response(matcher, [("file_name", ["NHS Digital"])], people, "2019-05-28")
    assert ids(early) == [""]
    late = match_response(matcher, [("file_name", ["NHS Digital"])], people, "2024-05-28")
    assert ids(late) == ["r1"]


def test_generic_names_go_to_the_only_recipient_of_that_kind(matcher):
    people = cands(
        matcher, "Welsh Ambulance Services NHS Trust", "Aneurin Bevan University Health Board"
    )
    got = match_response(matcher, [("file_name", ["University Health Board"])], people)
    assert ids(got) == ["r1"] and got[0].method == "type:file_name"
    prisons = cands(matcher, "HMP Long Lartin", "Care Quality Commission")
    assert ids(match_response(matcher, [("file_name", ["HMPPS"])], prisons)) == ["r0"]


def test_a_named_body_of_the_same_kind_is_not_taken_for_another(matcher):
    people = cands(matcher, "Cardiff and Vale University Health Board")
    got = match_response(
        matcher, [("file_name", ["Aneurin Bevan University Health Board"])], people
    )
    assert ids(got) == [""]
    assert got[0].evidence == "Aneurin Bevan University Health Board"


def test_acronyms_match_the_initials_of_a_recipient(matcher):
    people = cands(matcher, "Independent Officer for Police Conduct", "Metropolitan Police Service")
    assert ids(match_response(matcher, [("file_name", ["IOPC"])], people)) == ["r0"]


def test_two_recipients_that_tie_are_left_unmatched(matcher):
    people = cands(
        matcher, "Hywel Dda University Health Board", "Swansea Bay University Health Board"
    )
    assert ids(match_response(matcher, [("file_name", ["University Health Board"])], people)) == [
        ""
    ]


def test_no_evidence_and_one_recipient_is_a_weak_match(matcher):
    people = cands(matcher, "Royal Bolton Hospital")
    got = match_response(matcher, [("file_name", [])], people)
    assert (ids(got), got[0].method, got[0].score) == (["r0"], "only_recipient", 50.0)


def add_case(db, rid: str, recipients_raw: str, files: list[str], link_texts=None):
    upsert_report(
        db,
        Report(
            id=rid,
            url=f"https://example.org/{rid}/",
            date_of_report="2021-03-01",
            recipients_raw=recipients_raw,
            deceased_name="Ann Example",
        ),
    )
    docs = []
    for i, name in enumerate(files):
        url = f"https://example.org/wp-content/uploads/2021/06/{name}"
        docs.append(
            Document(
                id=stable_id(rid, url),
                report_id=rid,
                url=url,
                kind="response",
                file_name=name,
                link_text=(link_texts or [""] * len(files))[i],
                position=i + 1,
            )
        )
    upsert_documents(db, docs)
    return [d.id for d in docs]


def run_all(db, config):
    organisations.run(db, config, progress=False)
    recipients.run(db, config, progress=False)
    return responses.run(db, config, progress=False)


def test_run_matches_responses_and_keeps_the_unmatched_visible(db, config):
    doc_ids = add_case(
        db,
        "ann-example",
        "Barts Health NHS Trust; Care Quality Commission",
        [
            "2021-0101-Response-from-Barts-Health-NHS-Trust.pdf",
            "2021-0101-Response-from-Radcliffes-Solicitors.pdf",
            "Ann-Example-2021-0101.pdf",
        ],
        ["", "", "Response from the Care Quality Commission"],
    )
    counts = run_all(db, config)
    assert (counts["new"], counts["matched"], counts["unmatched"]) == (1, 2, 1)
    barts = db["responses"].get((doc_ids[0], stable_id("ann-example", "1")))
    assert (barts["method"], barts["score"], barts["evidence"]) == (
        "register:file_name",
        100.0,
        "Barts Health NHS Trust",
    )
    loose = db["responses"].get((doc_ids[1], ""))
    assert (loose["method"], loose["report_id"]) == ("none", "ann-example")
    cqc = db["responses"].get((doc_ids[2], stable_id("ann-example", "2")))
    assert cqc["method"] == "register:link_text"


def test_letterhead_decides_when_the_file_name_says_nothing(db, config):
    (doc_id,) = add_case(db, "ann-example", "Home Office; Ministry of Justice", ["Response-2.pdf"])
    db["response_details"].insert(
        {"document_id": doc_id, "report_id": "ann-example", "organisation": "Ministry of Justice"}
    )
    run_all(db, config)
    row = db["responses"].get((doc_id, stable_id("ann-example", "2")))
    assert row["method"] == "register:letterhead"


def test_rerun_changes_nothing(db, config):
    add_case(db, "ann-example", "NHS England", ["2021-0101-Response-from-NHS-England.pdf"])
    run_all(db, config)
    again = run_all(db, config)
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_a_group_answers_for_the_trust_it_ran_at_the_time(matcher):
    people = cands(matcher, "Pennine Acute Hospitals NHS Trust", "Care Quality Commission")
    evidence = [("file_name", ["Northern Care Alliance NHS Group"])]
    got = match_response(matcher, evidence, people, "2018-01-28")
    assert ids(got) == ["r0"] and got[0].method == "parent:file_name"
    assert ids(match_response(matcher, evidence, people, "2015-01-28")) == [""]


def test_an_operator_answers_for_its_train_company(matcher):
    people = cands(matcher, "Northern Rail Limited", "Network Rail")
    got = match_response(matcher, [("file_name", ["Arriva"])], people, "2018-12-28")
    assert ids(got) == ["r0"]


def test_hmpps_answers_for_every_prison_named(matcher):
    people = cands(matcher, "HMP Long Lartin", "HMP Leeds", "Care Quality Commission")
    got = match_response(matcher, [("file_name", ["HMPPS"])], people, "2019-05-28")
    assert ids(got) == ["r0", "r1"] and {v.method for v in got} == {"parent:file_name"}


def test_a_department_answers_for_its_agency_unless_it_was_sent_the_report(matcher):
    agency = cands(matcher, "Driver and Vehicle Standards Agency", "Surrey Police")
    dft = [("file_name", ["Department for Transport"])]
    assert ids(match_response(matcher, dft, agency)) == ["r0"]
    both = cands(matcher, "Driver and Vehicle Standards Agency", "Department for Transport")
    assert ids(match_response(matcher, dft, both)) == ["r1"]


def test_nhs_digital_answers_for_nhs_pathways(matcher):
    people = cands(matcher, "NHS Pathways", "NHS England", "The Roundwood Medical Centre")
    got = match_response(matcher, [("file_name", ["NHS Digital"])], people, "2019-06-28")
    assert ids(got) == ["r0"]


def test_a_department_reply_is_not_taken_for_another_departments_minister(matcher):
    people = cands(matcher, "Minister of State for Crime", "Department of Health and Social Care")
    evidence = [("file_name", ["Department of Health and Social Care"])]
    assert ids(match_response(matcher, evidence, people)) == ["r1"]


def test_a_site_name_two_trusts_share_is_answered_by_either(matcher):
    people = cands(matcher, "HM Prison and Probation Service", "St George's Hospital")
    evidence = [("file_name", ["Midlands Partnership NHS Foundation Trust"])]
    assert ids(match_response(matcher, evidence, people)) == ["r1"]
    other = [("file_name", ["Barts Health NHS Trust"])]
    assert ids(match_response(matcher, other, people)) == [""]


def test_a_renamed_department_answers_under_either_name_at_any_date(matcher):
    people = cands(matcher, "Secretary of State for Health")
    evidence = [("file_name", ["Department of Health"])]
    assert ids(match_response(matcher, evidence, people, "2016-04-28")) == ["r0"]
    absorbed = cands(matcher, "NHS England")
    early = match_response(matcher, [("file_name", ["NHS Digital"])], absorbed, "2019-05-28")
    assert ids(early) == [""]
