"""Ref gaps tell their causes apart; removed reports and broken links are listed."""

from __future__ import annotations

import json

from tests.tracking_fixture import add_report, add_response
from tracker.db import mark_removed, record_file
from tracker.missing import missing_counts, rebuild_ref_gaps, sequence_end
from tracker.models import FetchedFile
from tracker.normalise import parse_ref


def build_2020(db) -> None:
    add_report(db, "r1", "2020-01-02", ref="2020-0001")
    add_report(db, "r1-twin", "2020-01-03", ref="2020-0001")  # a ref shared by two reports
    add_report(db, "r2", "2020-01-04", ref="2020-0002", ref_raw="2020 \u2013 0002")  # variant
    add_report(db, "r3", "2020-01-05", ref="2020-0003")
    mark_removed(db, ["r3"], "2024-05-01T00:00:00+00:00")
    add_report(db, "r4", "2020-01-06", ref="2020-0004", ref_raw="2020-004")  # short: a guess
    add_report(db, "r7", "2020-01-09", ref="2020-0007A")
    add_report(db, "typo", "2020-01-10", ref="2020-0950")  # far above the rest: a typo
    add_report(db, "no-ref", "2020-01-11", ref=None, ref_raw="")


def gaps(db) -> dict[int, dict]:
    return {r["number"]: r for r in db["ref_gaps"].rows_where("year = 2020")}


def test_ref_gaps_tell_removed_malformed_and_never_seen_apart(db):
    build_2020(db)
    figures = rebuild_ref_gaps(db)
    found = gaps(db)
    assert {n: g["cause"] for n, g in found.items()} == {
        3: "removed",
        4: "malformed_only",
        5: "never_seen",
        6: "never_seen",
    }
    assert json.loads(found[3]["report_ids"]) == ["r3"]
    assert json.loads(found[4]["raw_refs"]) == ["2020-004"]
    assert found[5]["ref"] == "2020-0005"
    assert figures["ref_gaps_never_seen"] == 2
    assert (figures["ref_gaps_removed"], figures["ref_gaps_malformed_only"]) == (1, 1)


def test_ref_gap_year_summary(db):
    build_2020(db)
    rebuild_ref_gaps(db)
    year = db["ref_gap_years"].get(2020)
    assert (year["max_number"], year["present"], year["gaps"]) == (7, 3, 4)
    assert (year["variant_refs"], year["malformed_refs"], year["shared_refs"]) == (1, 1, 1)
    assert json.loads(year["outlier_refs"]) == [950]


def test_rebuilding_gaps_is_idempotent_and_follows_the_store(db):
    build_2020(db)
    rebuild_ref_gaps(db)
    first = list(db["ref_gaps"].rows)
    rebuild_ref_gaps(db)
    assert list(db["ref_gaps"].rows) == first
    add_report(db, "r5", "2020-01-07", ref="2020-0005")
    rebuild_ref_gaps(db)
    assert 5 not in gaps(db)


def test_sequence_end_drops_typo_outliers_only():
    assert sequence_end({1, 2, 3, 450}) == (3, [450])
    assert sequence_end({1, 150, 300}) == (300, [])
    assert sequence_end(set()) == (0, [])


def test_ref_quality_as_written():
    assert parse_ref("2020-0001").quality == "ok"
    assert parse_ref("2016 \u2013 0396").quality == "variant"
    assert parse_ref("2019-0135a").ref == "2019-0135A"
    broken = parse_ref("20199-0001")
    assert (broken.quality, broken.ref, broken.guess) == ("malformed", None, "2019-0001")
    assert parse_ref("N/A: Not found").quality == "malformed"
    assert parse_ref("  ").quality == "missing"


def test_removed_reports_and_broken_links_are_listed(db):
    add_report(db, "gone", "2021-02-01", ref="2021-0001")
    add_report(db, "here", "2021-02-02", ref="2021-0002")
    mark_removed(db, ["gone"], "2024-05-01T00:00:00+00:00")
    dead = add_response(db, "here", "2021-0002-Response-from-A")
    failed = add_response(db, "here", "2021-0002-Response-from-B")
    fine = add_response(db, "here", "2021-0002-Response-from-C")
    record_file(db, FetchedFile(dead, "u", "0" * 64, "p", 0, http_status=404))
    record_file(db, FetchedFile(fine, "u", "1" * 64, "p", 10, http_status=200))
    db["documents"].update(failed, {"error": "connection reset"})
    removed = list(db["removed_reports"].rows)
    assert [(r["report_id"], r["removed_at"][:10]) for r in removed] == [("gone", "2024-05-01")]
    broken = {r["document_id"]: r for r in db["broken_documents"].rows}
    assert set(broken) == {dead, failed}
    assert broken[dead]["http_status"] == 404
    assert missing_counts(db) == {
        "removed_reports": 1,
        "broken_documents": 2,
        "reports_with_broken_documents": 1,
    }
