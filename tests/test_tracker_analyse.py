"""`pdt analyse` rebuilds every tracking table idempotently and reports what it found."""

from __future__ import annotations

from datetime import date, datetime

from click.testing import CliRunner

from pipeline import cli
from tests.tracking_fixture import add_recipient, add_report, add_response
from tracker.analyse import run_analyse
from tracker.config import load_config
from tracker.db import mark_removed, open_db
from tracker.normalise import parse_date

TABLES = ("recipient_status", "report_status", "ref_gaps", "ref_gap_years")


def small_store(db) -> None:
    add_report(db, "a", "2024-01-05", ref="2024-0001")
    add_report(db, "b", "2024-01-09", ref="2024-0003")
    add_report(db, "c", "2024-01-10", ref="2024-0004")
    mark_removed(db, ["c"], "2024-06-01T00:00:00+00:00")
    first = add_recipient(db, "a", 1, "One")
    add_recipient(db, "b", 1, "Two")
    add_response(db, "a", "2024-0001-Response-from-One", (first,))


def test_analyse_counts_everything_and_is_idempotent(db):
    small_store(db)
    summary = run_analyse(db, date(2024, 3, 10))
    assert summary["as_of"] == "2024-03-10"
    assert (summary["reports"], summary["reports_complete"], summary["reports_overdue"]) == (
        3,
        1,
        1,
    )
    assert summary["reports_no_recipients"] == 1
    assert (summary["requests"], summary["requests_responded"]) == (2, 1)
    assert (summary["ref_gaps"], summary["ref_gaps_never_seen"], summary["ref_gaps_removed"]) == (
        2,
        1,
        1,
    )
    assert summary["removed_reports"] == 1
    before = {t: list(db[t].rows) for t in TABLES}
    again = run_analyse(db, date(2024, 3, 10))
    assert {k: v for k, v in again.items() if k != "seconds"} == {
        k: v for k, v in summary.items() if k != "seconds"
    }
    assert {t: list(db[t].rows) for t in TABLES} == before


def test_analyse_command_takes_an_as_of_date(tmp_path):
    data_dir = tmp_path / "data"
    small_store(open_db(load_config(data_dir).db_path))
    result = CliRunner().invoke(
        cli, ["--data-dir", str(data_dir), "analyse", "--as-of", "2024-02-01"]
    )
    assert result.exit_code == 0, result.output
    assert "reports_pending" in result.output and "2024-02-01" in result.output


def test_spreadsheet_cells_are_read_as_dates():
    assert parse_date(datetime(2023, 3, 5, 12, 0)) == "2023-03-05"
    assert parse_date(date(2023, 3, 5)) == "2023-03-05"
    assert parse_date(45091) == "2023-06-14"
    assert parse_date("45091") == "2023-06-14"
    assert parse_date(12) is None
    assert parse_date("9 August", year_hint=2019) == "2019-08-09"
    assert parse_date("2023-08-01") == "2023-08-01"
    assert parse_date("no date") is None
