"""`pdt import`: both export layouts, through the crawler's writers, idempotent and merging."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from click.testing import CliRunner

from pipeline import cli
from tests.conftest import shared_data_file
from tests.tracking_fixture import BASE, add_report
from tracker.db import open_db, table_counts
from tracker.importer import detect_format, run_import
from tracker.status import rebuild_status

UPLOADS = "https://www.judiciary.uk/wp-content/uploads/2023/05"
REPORT_COLUMNS = (
    "date_of_report ref deceased_name coroner_name coroner_area category "
    "this_report_is_being_sent_to report_url pdf_url reply_urls circumstances concerns inquest "
    "action response legal"
).split()
STATUS_COLUMNS = [
    "Status",
    "Date added",
    "Date of report",
    "Ref",
    "Deceased name",
    "Number of deceased",
    "Date of death",
    "Age",
    "Sex",
    "Coroner name",
    "Coroner area",
    "Research tags",
    "Category",
    "Sent to",
    "Sent to count",
    "Replies count",
    "URL",
]


def report_row(**values: str) -> dict[str, str]:
    return {column: values.get(column, "") for column in REPORT_COLUMNS}


REPORT_ROWS = [
    report_row(
        date_of_report="03/05/2023",
        ref="2023-0210",
        deceased_name="Ada Brook",
        coroner_name="Ruth Hale",
        coroner_area="Northshire",
        category="Suicide (from 2015) | Mental Health related deaths",
        this_report_is_being_sent_to="Chief Executive, Northshire NHS Trust; Northshire Council",
        report_url=f"{BASE}/ada-brook-prevention-of-future-deaths-report/",
        pdf_url=f"{UPLOADS}/Ada-Brook-Prevention-of-future-deaths-report-2023-0210_Published.pdf",
        reply_urls=(
            f"{UPLOADS}/2023-0210-Response-from-Northshire-NHS-Trust.pdf | "
            f"{UPLOADS}/Ada-Brook-Prevention-of-future-deaths-report-2023-0210-2_Published.pdf"
        ),
        circumstances="Ada was found at home after discharge.",
        concerns="There was no follow-up appointment.",
        response="You are under a duty to respond by 28 June 2023.",
    ),
    report_row(
        date_of_report="15 August2016",
        ref="2016 \u2013 0396",
        deceased_name="Ben Carr",
        coroner_area="Westvale",
        report_url=f"{BASE.replace('prevention-of-future-death-reports', 'publications')}"
        "/ben-carr/",
        pdf_url=f"{UPLOADS}/Carr-2016-0396.pdf",
    ),
    report_row(category="Prevention of Future Deaths", report_url=f"{BASE}/hospitaldeath/"),
    report_row(date_of_report="9 August", ref="2019-0101", deceased_name="No Url"),
]

STATUS_ROWS = [
    {
        "Status": "partial",
        "Date added": "10/05/2023",
        "Date of report": "03/05/2023",
        "Ref": "2023-0210",
        "Deceased name": "Ada Brook",
        "Coroner name": "Mrs Ruth Hale",
        "Coroner area": "Northshire",
        "Research tags": "Self-harm",
        "Category": "Suicide (from 2015)",
        "Sent to": "Northshire NHS Trust | Northshire Council",
        "Sent to count": "2",
        "Replies count": "1",
        "URL": f"{BASE}/ada-brook-prevention-of-future-deaths-report/",
    },
    {
        "Status": "overdue",
        "Date added": "02/02/2024",
        "Date of report": "30/01/2024",
        "Ref": "2024-0050",
        "Deceased name": "Cleo Dane",
        "Coroner area": "Eastmoor",
        "Sent to": "Eastmoor Ambulance Service",
        "Sent to count": "1",
        "Replies count": "0",
        "URL": f"{BASE}/cleo-dane-prevention-of-future-deaths-report/",
    },
]


def write(path, columns, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


@pytest.fixture
def reports_csv(tmp_path):
    path = tmp_path / "reports.csv"
    write(path, REPORT_COLUMNS, REPORT_ROWS)
    return path


@pytest.fixture
def status_csv(tmp_path):
    path = tmp_path / "status.csv"
    write(path, STATUS_COLUMNS, STATUS_ROWS)
    return path


def test_reports_layout_goes_through_the_crawler_writers(db, reports_csv):
    summary = run_import(db, reports_csv, progress=False)
    assert (summary["format"], summary["new"], summary["skipped"], summary["failed"]) == (
        "reports",
        2,
        1,
        1,
    )
    ada = db["reports"].get("ada-brook-prevention-of-future-deaths-report")
    assert (ada["ref"], ada["date_of_report"], ada["source"], ada["generation"]) == (
        "2023-0210",
        "2023-05-03",
        "import",
        "import",
    )
    assert json.loads(ada["categories"]) == ["Suicide (from 2015)", "Mental Health related deaths"]
    ben = db["reports"].get("ben-carr")
    assert (ben["ref"], ben["ref_raw"], ben["date_of_report"]) == (
        "2016-0396",
        "2016 \u2013 0396",
        "2016-08-15",
    )
    docs = {d["file_name"]: d for d in db["documents"].rows_where("report_id = ?", [ada["id"]])}
    kinds = {name: d["kind"] for name, d in docs.items()}
    assert sorted(kinds.values()) == ["report", "report", "response"]  # a second report is no reply
    response = next(d for d in docs.values() if d["kind"] == "response")
    assert response["org_hint"] == "Northshire NHS Trust"
    sections = {s["name"]: s for s in db["sections"].rows_where("report_id = ?", [ada["id"]])}
    assert set(sections) == {"circumstances", "concerns", "response"}
    assert {s["source"] for s in sections.values()} == {"import"}
    errors = {r["kind"] for r in db["errors"].rows_where("stage = 'import'")}
    assert errors == {"skipped", "bad_row"}


def test_importing_the_same_file_twice_changes_nothing(db, reports_csv, status_csv):
    run_import(db, reports_csv, progress=False)
    run_import(db, status_csv, progress=False)
    before = {
        t: list(db[t].rows)
        for t in ("reports", "documents", "sections", "errors", "imported_reports")
    }
    counts = table_counts(db)
    again = run_import(db, reports_csv, progress=False)
    again_status = run_import(db, status_csv, progress=False)
    assert (again["new"], again["updated"], again_status["new"], again_status["updated"]) == (
        0,
        0,
        0,
        0,
    )
    assert table_counts(db) == counts
    assert {t: list(db[t].rows) for t in before} == before


def test_both_layouts_merge_on_the_slug_without_losing_data(db, reports_csv, status_csv):
    run_import(db, reports_csv, progress=False)
    merged = run_import(db, status_csv, progress=False)
    assert (merged["new"], merged["updated"]) == (1, 1)
    ada = db["reports"].get("ada-brook-prevention-of-future-deaths-report")
    assert ada["coroner_name"] == "Ruth Hale"  # kept: the first value is never overwritten
    assert ada["date_added"] == "2023-05-10"  # filled: it was blank
    assert ada["recipients_raw"].startswith("Chief Executive, Northshire NHS Trust")
    layouts = {
        r["format"]: r for r in db["imported_reports"].rows_where("report_id = ?", [ada["id"]])
    }
    assert set(layouts) == {"reports", "status"}
    assert layouts["status"]["sent_to"] == "Northshire NHS Trust | Northshire Council"
    assert layouts["status"]["research_tags"] == "Self-harm"
    assert layouts["reports"]["reply_urls_count"] == 2


def test_status_layout_replies_count_drives_report_status(db, status_csv):
    run_import(db, status_csv, progress=False)
    rebuild_status(db, date(2024, 6, 1))
    statuses = {
        r["report_id"]: (r["status"], r["published_status"], r["replies_basis"])
        for r in db["report_status"].rows
    }
    assert statuses == {
        "ada-brook-prevention-of-future-deaths-report": ("partial", "partial", "import"),
        "cleo-dane-prevention-of-future-deaths-report": ("overdue", "overdue", "none"),
    }
    rebuild_status(db, date(2024, 2, 10))
    assert db["report_status"].get("cleo-dane-prevention-of-future-deaths-report")["status"] == (
        "pending"
    )


def test_an_import_never_overwrites_a_crawled_report(db, reports_csv):
    rid = add_report(
        db,
        "ada-brook-prevention-of-future-deaths-report",
        "2023-05-04",
        ref="2023-0210",
        name="Ada Brook (crawled)",
    )
    before = db["reports"].get(rid)
    run_import(db, reports_csv, progress=False)
    after = db["reports"].get(rid)
    assert (after["deceased_name"], after["date_of_report"], after["source"]) == (
        "Ada Brook (crawled)",
        "2023-05-04",
        "html",
    )
    assert after["coroner_name"] == "Ruth Hale"  # only blanks were filled
    assert (after["last_seen_at"], after["removed_at"]) == (before["last_seen_at"], None)


def test_layout_is_detected_or_refused(tmp_path, db, reports_csv):
    assert detect_format(["date of report", "ref", "deceased name", "report url"]) == "reports"
    with pytest.raises(ValueError, match="has the reports layout"):
        run_import(db, reports_csv, fmt="status", progress=False)
    odd = tmp_path / "odd.csv"
    write(odd, ["a", "b"], [{"a": "1", "b": "2"}])
    with pytest.raises(ValueError, match="not a Preventable-Deaths-Tracker export"):
        run_import(db, odd, progress=False)


def test_import_command(tmp_path, reports_csv):
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(
        cli, ["--data-dir", str(data_dir), "-q", "import", str(reports_csv)]
    )
    assert result.exit_code == 0, result.output
    assert "new" in result.output and "skipped" in result.output
    odd = tmp_path / "odd.csv"
    write(odd, ["a"], [{"a": "1"}])
    refused = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "import", str(odd)])
    assert refused.exit_code != 0 and "not a Preventable-Deaths-Tracker export" in refused.output


@pytest.mark.slow
def test_real_status_export_reproduces_its_own_statuses(tmp_path):
    path = shared_data_file("pfd_reports_status_2025.csv")
    db = open_db(tmp_path / "pdt.db")
    summary = run_import(db, path, progress=False)
    assert summary["failed"] == 0
    rebuild_status(db, date(2025, 7, 31))
    agree = db.execute(
        "SELECT AVG(replace(published_status, 'completed', 'complete') = status) FROM report_status"
    ).fetchone()[0]
    assert agree > 0.99
