"""FOI reconciliation on messy lists: odd headers, titles, initials, missing refs, mixed dates."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from click.testing import CliRunner

from pipeline import cli
from tests.tracking_fixture import add_org, add_recipient, add_report
from tracker.config import load_config
from tracker.db import open_db
from tracker.foi import find_sheet, import_foi, list_fois, read_table_rows
from tracker.foi_match import find_columns, name_similarity, name_tokens

TRUST = "Riverside Mental Health NHS Foundation Trust"

# Header row of a list as an organisation might type it: a title above, odd names, extras.
HEADERS = ["Our Ref", "Name of Deceased", "Date PFD received", "Coroner Ref", "Date of death"]
ROWS = [
    ["T-001", "Mr J. Smith", "05/03/2023", "", "01/01/2022"],  # initial + title, no ref
    ["T-002", "DOE, Jane (Mrs)", "14 June 2023", "2023-0200", ""],  # surname first
    ["T-003", "Mrs Ann Green", "2023-08-01", "", ""],  # not on the website
    ["T-004", "peter jones", "7th July 2023", "", ""],  # on the site, sent to someone else
    ["T-005", "Mr Alan Whyte", "not known", "2023-0300", ""],  # ref shared with another name
]


def build_store(db) -> None:
    add_org(db, "riverside", TRUST, subtype="mental_health")
    add_org(db, "council", "Hilltop Council", org_type="local_authority")
    db["organisation_aliases"].insert(
        {"alias": "Riverside MH Trust", "organisation_id": "riverside", "kind": "abbreviation"}
    )
    reports = [
        ("smith", "2023-03-05", "2023-0100", "John Smith", "riverside"),
        ("doe", "2023-06-14", "2023-0200", "Jane Doe", "riverside"),
        ("obrien", "2023-07-20", "2023-0250", "Mary O\u2019Brien", "riverside"),
        ("jones", "2023-07-07", "2023-0260", "Peter Jones", "council"),
        ("whyte", "2023-05-02", "2023-0300", "Alan Whyte", "riverside"),
        ("other", "2023-05-03", "2023-0300", "Bill Other", "council"),
        ("brown", "2021-01-10", "2021-0040", "Robert Brown", "riverside"),  # before the list
    ]
    for rid, day, ref, name, org in reports:
        add_report(db, rid, day, ref=ref, name=name)
        add_recipient(db, rid, 1, TRUST if org == "riverside" else "Hilltop Council", org)


def write_csv(path, headers=HEADERS, rows=ROWS) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Regulation 28 reports received 2023 (FOI 1234)"])
        writer.writerow([])
        writer.writerow(headers)
        writer.writerows(rows)


def results(db) -> dict[str, set]:
    found: dict[str, set] = {"matched": set(), "missing_from_site": set(), "not_located": set()}
    for row in db["foi_reconciliation"].rows:
        found[row["kind"]].add(row["report_id"] or row["foi_name"])
    return found


def test_messy_csv_is_reconciled_into_three_lists(db, tmp_path):
    build_store(db)
    path = tmp_path / "foi.csv"
    write_csv(path)
    summary = import_foi(db, path, "Riverside MH Trust")
    assert results(db) == {
        "matched": {"smith", "doe", "jones", "whyte"},
        "missing_from_site": {"Mrs Ann Green"},
        "not_located": {"obrien"},  # brown is outside the list's dates
    }
    assert (summary["matched"], summary["missing_from_site"], summary["not_located"]) == (4, 1, 1)
    stored = db["foi_lists"].get(summary["list"])
    assert (stored["organisation_id"], stored["organisation_match"]) == ("riverside", "alias")
    assert (stored["date_from"], stored["date_to"]) == ("2023-03-05", "2023-08-01")
    methods = {
        r["report_id"]: r["method"] for r in db["foi_reconciliation"].rows if r["kind"] == "matched"
    }
    assert methods["doe"] == "ref_name"
    assert methods["smith"] == "name_date"
    assert methods["whyte"] == "ref_name"  # the shared ref is settled by the name


def test_unreadable_dates_are_recorded_as_errors(db, tmp_path):
    build_store(db)
    path = tmp_path / "foi.csv"
    write_csv(path)
    summary = import_foi(db, path, TRUST)
    assert summary["unreadable_dates"] == 1
    messages = [r["message"] for r in db["errors"].rows_where("stage = 'foi'")]
    assert messages == ["row 8: unreadable date 'not known'"]


def test_reimporting_the_same_list_changes_nothing(db, tmp_path):
    build_store(db)
    path = tmp_path / "foi.csv"
    write_csv(path)
    first = import_foi(db, path, TRUST)
    before = [list(db[t].rows) for t in ("foi_lists", "foi_entries", "foi_results", "errors")]
    second = import_foi(db, path, TRUST)
    assert first == second
    assert [list(db[t].rows) for t in ("foi_lists", "foi_entries", "foi_results", "errors")] == (
        before
    )


def test_explicit_window_widens_not_located(db, tmp_path):
    build_store(db)
    path = tmp_path / "foi.csv"
    write_csv(path)
    import_foi(db, path, TRUST, date_from="2020-01-01", date_to="2024-12-31")
    assert results(db)["not_located"] == {"obrien", "brown"}


def test_xlsx_with_a_title_row_and_date_cells(db, tmp_path):
    from openpyxl import Workbook

    build_store(db)
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["This sheet explains the columns"])
    sheet = book.create_sheet("Reports")
    sheet.append(["PFD reports held"])
    sheet.append(["Patient name", "Report date", "Reference"])
    sheet.append(["Smith, John", datetime(2023, 3, 5), None])
    sheet.append(["Miss J Doe", 45091, "2023 \u2013 0200"])  # a spreadsheet day number
    sheet.append(["Dr Mary O'Brien", "20/07/23", None])
    sheet.append([None, None, None])
    path = tmp_path / "foi.xlsx"
    book.save(path)
    summary = import_foi(db, path, TRUST)
    assert summary["sheet"] == "Reports"
    assert results(db)["matched"] == {"smith", "doe", "obrien"}
    assert results(db)["not_located"] == {"whyte"}  # sent to the trust, not on its list
    entries = {r["deceased_name"]: r for r in db["foi_entries"].rows}
    assert entries["Miss J Doe"]["date"] == "2023-06-14"
    assert entries["Miss J Doe"]["ref"] == "2023-0200"


def test_forename_and_surname_columns_are_joined(tmp_path):
    path = tmp_path / "split.csv"
    write_csv(path, ["Forename", "Surname", "Date"], [["Jane", "Doe", "14/06/2023"]])
    sheet = find_sheet(read_table_rows(path))
    assert set(sheet.columns) == {"forename", "surname", "date"}


def test_a_file_without_names_dates_or_refs_is_refused(db, tmp_path):
    path = tmp_path / "junk.csv"
    write_csv(path, ["Colour", "Shape"], [["red", "round"]])
    with pytest.raises(ValueError, match="no column of names, dates or refs"):
        import_foi(db, path, TRUST)


def test_headers_are_found_by_meaning():
    cols = find_columns(["No.", "Deceased", "Date of death", "Date of Regulation 28", "Trust ref"])
    assert cols == {"name": 1, "date": 3}
    assert find_columns(["Coroners Ref", "Name of the deceased"]) == {"ref": 0, "name": 1}


@pytest.mark.parametrize(
    ("listed", "published", "same"),
    [
        ("Mrs J. Smith", "Jane Smith", True),
        ("SMITH, John", "John Adam Smith", True),
        ("Mr Christopher O'Donnell", "Christopher O\u2019Donnell", True),
        ("J Smith", "Peter Smith", False),
        ("Peter Lawrence", "Peter Lawson", False),
    ],
)
def test_name_similarity(listed, published, same):
    assert (name_similarity(name_tokens(listed), name_tokens(published)) >= 85) is same


def test_foi_commands(tmp_path):
    data_dir = tmp_path / "data"
    db = open_db(load_config(data_dir).db_path)
    build_store(db)
    path = tmp_path / "foi.csv"
    write_csv(path)
    runner = CliRunner()
    args = ["--data-dir", str(data_dir), "foi", "import", str(path), "--organisation", TRUST]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "missing_from_site  1" in result.output
    listing = runner.invoke(cli, ["--data-dir", str(data_dir), "foi", "list"])
    assert listing.exit_code == 0 and TRUST in listing.output
    assert len(list_fois(open_db(load_config(data_dir).db_path))) == 1
    bad = tmp_path / "junk.csv"
    write_csv(bad, ["Colour"], [["red"]])
    refused = runner.invoke(
        cli, ["--data-dir", str(data_dir), "foi", "import", str(bad), "--organisation", TRUST]
    )
    assert refused.exit_code != 0 and "no column" in refused.output


def test_recipient_text_is_searched_when_recipients_are_not_split(db, tmp_path):
    build_store(db)
    add_report(db, "unsplit", "2023-04-01", ref="2023-0150", name="Zoe Quill")
    db["reports"].update("unsplit", {"recipients_raw": f"1. Chief Executive, {TRUST}; 2. DHSC"})
    add_report(db, "elsewhere", "2023-04-02", ref="2023-0151", name="Yan Ross")
    db["reports"].update("elsewhere", {"recipients_raw": "Hilltop Council"})
    path = tmp_path / "foi.csv"
    write_csv(path)
    import_foi(db, path, TRUST)
    methods = {
        r["report_id"]: r["method"]
        for r in db["foi_reconciliation"].rows
        if r["kind"] == "not_located"
    }
    assert methods == {"obrien": "recipient", "unsplit": "recipients_raw_text"}


def test_reports_sent_to_a_predecessor_count_for_its_successor(db, tmp_path):
    build_store(db)
    add_org(db, "old", "Old Vale Trust", subtype="mental_health", successor="riverside")
    add_report(db, "vale", "2023-05-20", ref="2023-0180", name="Una West")
    add_recipient(db, "vale", 1, "Old Vale Trust", "old")
    path = tmp_path / "foi.csv"
    write_csv(path)
    import_foi(db, path, TRUST)
    methods = {
        r["report_id"]: r["method"]
        for r in db["foi_reconciliation"].rows
        if r["kind"] == "not_located"
    }
    assert methods == {"obrien": "recipient", "vale": "predecessor"}
