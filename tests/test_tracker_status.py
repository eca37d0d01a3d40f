"""The 56-day rule on a fixed clock, report-level categories, and the status roll-ups."""

from __future__ import annotations

from datetime import date

import pytest

from tests.tracking_fixture import add_org, add_recipient, add_report, add_response
from tracker.status import Due, compute_due, outcome_by_date, rebuild_status


def status_of(db, recipient_id: str) -> dict:
    return db["recipient_status"].get(recipient_id)


def report_status(db, report_id: str) -> dict:
    return db["report_status"].get(report_id)


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        ("2024-01-05", "2024-03-01"),  # leap year: 26 days of January + 29 of February + 1
        ("2023-01-05", "2023-03-02"),
        ("2024-12-20", "2025-02-14"),  # across the year end
        ("2020-02-29", "2020-04-25"),  # from a leap day
    ],
)
def test_due_date_is_56_calendar_days_later(reported, due):
    assert compute_due(date.fromisoformat(reported), None) == Due(
        date.fromisoformat(due), "56_days"
    )


def test_leap_year_due_date_and_the_day_it_falls_due(db):
    add_report(db, "a", "2024-01-05", ref="2024-0001")
    rid = add_recipient(db, "a", 1, "Some NHS Trust")
    rebuild_status(db, date(2024, 3, 1))
    row = status_of(db, rid)
    assert (row["due_date"], row["status"], row["days_left"]) == ("2024-03-01", "pending", 0)
    assert report_status(db, "a")["status"] == "pending"
    rebuild_status(db, date(2024, 3, 2))
    row = status_of(db, rid)
    assert (row["status"], row["days_overdue"], row["days_left"]) == ("overdue", 1, None)
    assert report_status(db, "a")["status"] == "overdue"


def test_due_exactly_on_as_of_is_not_overdue():
    due = Due(date(2024, 5, 28), "56_days")
    assert outcome_by_date(due, date(2024, 5, 28)).status == "pending"
    assert outcome_by_date(due, date(2024, 5, 29)).status == "overdue"


def test_deadline_stated_in_the_report_overrides_56_days(db):
    add_report(db, "b", "2024-04-02", ref="2024-0002")
    rid = add_recipient(db, "b", 1, "A Council")
    db["report_facts"].insert({"report_id": "b", "response_deadline": "2024-07-01"}, pk="report_id")
    rebuild_status(db, date(2024, 6, 15))  # 56 days would have ended on 2024-05-28
    row = status_of(db, rid)
    assert (row["due_date"], row["due_basis"], row["status"]) == (
        "2024-07-01",
        "stated_deadline",
        "pending",
    )
    rebuild_status(db, date(2024, 7, 2))
    assert status_of(db, rid)["status"] == "overdue"


def test_an_impossible_stated_deadline_is_ignored(db):
    add_report(db, "c", "2024-04-02", ref="2024-0003")
    rid = add_recipient(db, "c", 1, "A Council")
    db["report_facts"].insert({"report_id": "c", "response_deadline": "2014-05-28"}, pk="report_id")
    rebuild_status(db, date(2024, 5, 1))
    assert (status_of(db, rid)["due_date"], status_of(db, rid)["due_basis"]) == (
        "2024-05-28",
        "56_days",
    )


def test_response_published_before_the_page_was_updated_still_counts(db):
    add_report(db, "d", "2024-03-01", ref="2024-0004", seen_at="2024-03-05T00:00:00+00:00")
    rid = add_recipient(db, "d", 1, "Some NHS Trust")
    doc = add_response(
        db, "d", "2024-0004-Response", (rid,), first_seen="2024-03-06T00:00:00+00:00"
    )
    db["response_details"].insert(
        {"document_id": doc, "report_id": "d", "response_date": "2024-02-20"}, pk="document_id"
    )
    # The page changes later (a re-crawl sees new text); the response is older than that.
    db["reports"].update(
        "d", {"last_changed_at": "2024-09-01T00:00:00+00:00", "date_added": "2024-09-01"}
    )
    rebuild_status(db, date(2025, 1, 1))
    row = status_of(db, rid)
    assert (row["status"], row["status_basis"], row["response_count"]) == (
        "responded",
        "matched",
        1,
    )
    assert report_status(db, "d")["status"] == "complete"


def test_unparseable_date_gives_unknown(db):
    add_report(db, "e", None, ref=None, ref_raw="", date_raw="sometime in the spring")
    rid = add_recipient(db, "e", 1, "A Council")
    rebuild_status(db, date(2025, 1, 1))
    row = status_of(db, rid)
    assert (row["status"], row["due_basis"], row["due_date"]) == ("unknown", "none", None)
    assert report_status(db, "e")["status"] == "unknown"


def test_raw_date_is_read_when_the_stored_date_is_missing(db):
    add_report(db, "f", None, ref="2016-0010", date_raw="15 August2016")
    rid = add_recipient(db, "f", 1, "A Council")
    rebuild_status(db, date(2016, 9, 1))
    assert (status_of(db, rid)["due_date"], status_of(db, rid)["status"]) == (
        "2016-10-10",
        "pending",
    )


def test_report_without_recipients_gets_one_unknown_row(db):
    add_report(db, "g", "2023-01-10", ref="2023-0001")
    rebuild_status(db, date(2024, 1, 1))
    rows = list(db["recipient_status"].rows_where("report_id = ?", ["g"]))
    assert [(r["recipient_id"], r["status"], r["status_basis"]) for r in rows] == [
        ("", "unknown", "no_recipients")
    ]
    assert report_status(db, "g")["status"] == "no_recipients"


def test_replies_count_when_responses_are_not_matched_to_recipients(db):
    add_report(db, "h", "2023-01-10", ref="2023-0002")
    first, second = add_recipient(db, "h", 1, "One"), add_recipient(db, "h", 2, "Two")
    add_response(db, "h", "2023-0002-Response-from-One")
    rebuild_status(db, date(2024, 1, 1))
    assert report_status(db, "h")["status"] == "partial"
    # one unclaimed reply, two recipients: which one answered is unknown
    assert {status_of(db, first)["status"], status_of(db, second)["status"]} == {"unknown"}
    add_response(db, "h", "2023-0002-Response-from-Two")
    rebuild_status(db, date(2024, 1, 1))
    assert report_status(db, "h")["status"] == "complete"
    assert status_of(db, first)["status_basis"] == "reply_count"


def test_unclaimed_reply_before_the_deadline_leaves_recipients_pending(db):
    add_report(db, "i", "2023-01-10", ref="2023-0003")
    first = add_recipient(db, "i", 1, "One")
    add_recipient(db, "i", 2, "Two")
    add_response(db, "i", "2023-0003-Response-from-One")
    rebuild_status(db, date(2023, 2, 1))
    assert status_of(db, first)["status"] == "pending"
    assert report_status(db, "i")["status"] == "partial"


def test_every_recipient_matched_is_complete_even_with_one_joint_reply(db):
    add_report(db, "j", "2023-01-10", ref="2023-0004")
    first, second = add_recipient(db, "j", 1, "One"), add_recipient(db, "j", 2, "Two")
    add_response(db, "j", "2023-0004-Joint-Response", (first, second))
    rebuild_status(db, date(2024, 1, 1))
    row = report_status(db, "j")
    assert (row["replies"], row["matched"], row["status"]) == (1, 2, "complete")


def test_matched_and_overdue_recipients_in_one_report(db):
    add_report(db, "k", "2023-01-10", ref="2023-0005")
    first, second = add_recipient(db, "k", 1, "One"), add_recipient(db, "k", 2, "Two")
    add_response(db, "k", "2023-0005-Response-from-One", (first,))
    rebuild_status(db, date(2023, 6, 1))
    assert status_of(db, first)["status"] == "responded"
    second_row = status_of(db, second)
    assert (second_row["status"], second_row["days_overdue"]) == ("overdue", 86)
    assert report_status(db, "k")["status"] == "partial"


def test_imported_counts_give_status_without_documents(db):
    add_report(db, "m", "2023-01-10", ref="2023-0006")
    db["imported_reports"].insert_all(
        [
            {
                "report_id": "m",
                "format": "status",
                "sent_to": "One Trust | Two Council",
                "sent_to_count": 2,
                "replies_count": 1,
                "published_status": "partial",
            }
        ]
    )
    rebuild_status(db, date(2024, 1, 1))
    row = report_status(db, "m")
    assert (row["recipients"], row["recipients_basis"], row["replies"], row["replies_basis"]) == (
        2,
        "import",
        1,
        "import",
    )
    assert row["status"] == row["published_status"] == "partial"
    names = [
        r["recipient"]
        for r in db["recipient_status"].rows_where("report_id = 'm'", order_by="position")
    ]
    assert names == ["One Trust", "Two Council"]


def test_rebuild_is_idempotent(db):
    add_report(db, "n", "2023-01-10", ref="2023-0007")
    add_recipient(db, "n", 1, "One")
    rebuild_status(db, date(2024, 1, 1))
    first = list(db["recipient_status"].rows), list(db["report_status"].rows)
    rebuild_status(db, date(2024, 1, 1))
    assert (list(db["recipient_status"].rows), list(db["report_status"].rows)) == first


def test_rollups_count_a_merged_trust_under_both_names(db):
    add_org(db, "old", "Old Mental Health Trust", subtype="mental_health", successor="new")
    add_org(db, "new", "New Mental Health Trust", subtype="mental_health")
    add_org(db, "dhsc", "Department of Health", org_type="national_body")
    add_report(db, "p", "2019-01-10", ref="2019-0001", area="North")
    add_report(db, "q", "2023-01-10", ref="2023-0010", area="North")
    old_rec = add_recipient(db, "p", 1, "Old Mental Health Trust", "old")
    add_recipient(db, "p", 2, "Department of Health", "dhsc")
    add_recipient(db, "q", 1, "New Mental Health Trust", "new")
    add_response(db, "p", "2019-0001-Response-from-Old", (old_rec,))
    rebuild_status(db, date(2024, 1, 1))
    trusts = {(r["trust_id"], r["basis"]): r for r in db["status_by_trust"].rows}
    assert set(trusts) == {("old", "as_sent"), ("new", "as_sent"), ("new", "as_successor")}
    assert trusts[("new", "as_successor")]["via_predecessors"] == "Old Mental Health Trust"
    assert trusts[("new", "as_successor")]["responded"] == 1
    assert trusts[("new", "as_sent")]["overdue"] == 1
    subtypes = {r["nhs_trust_subtype"]: r for r in db["status_by_trust_subtype"].rows}
    assert (subtypes["mental_health"]["requests"], subtypes["mental_health"]["response_rate"]) == (
        2,
        50.0,
    )
    orgs = {r["organisation_id"]: r for r in db["status_by_organisation"].rows}
    assert (orgs["dhsc"]["requests"], orgs["dhsc"]["overdue"], orgs["dhsc"]["responses_due"]) == (
        1,
        1,
        1,
    )
    area = next(r for r in db["status_by_coroner_area"].rows if r["coroner_area"] == "North")
    assert (area["reports"], area["reports_partial"], area["reports_overdue"]) == (2, 1, 1)
    assert (area["requests"], area["responded"], area["response_rate"]) == (3, 1, 33.3)
    years = {r["year"]: r for r in db["status_by_year"].rows}
    assert (years[2019]["reports"], years[2023]["requests"]) == (1, 1)
