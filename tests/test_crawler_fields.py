"""Refs, dates and metadata labels as the site prints them."""

from __future__ import annotations

import pytest

from crawler.fields import clean_text, normalise_ref, parse_iso_datetime, parse_report_date
from crawler.labels import match_label, split_inline


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-0150", "2023-0150"),
        ("2016 – 0396", "2016-0396"),
        ("2016 \u2014 0396", "2016-0396"),
        ("2019-0135A", "2019-0135A"),
        ("2016-026", "2016-0026"),
        ("20199-0001", "2019-0001"),
        ("20140-0147", "2014-0147"),
        ("Ref: 2013-0324", "2013-0324"),
        ("2013-0324 Deceased name: X", "2013-0324"),
        ("", None),
        ("   ", None),
        ("not known", None),
    ],
)
def test_normalise_ref(raw, expected):
    assert normalise_ref(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("21 July 2016", "2016-07-21"),
        ("02 July 2016", "2016-07-02"),
        ("27/11/2023", "2023-11-27"),
        ("01/07/22", "2022-07-01"),
        ("08 /03/2024", "2024-03-08"),
        ("03/11 /2022", "2022-11-03"),
        ("21st July 2016", "2016-07-21"),
        ("2nd September 2025", "2025-09-02"),
        ("3rd of March 2019", "2019-03-03"),
        ("17\u00a0 November 2017", "2017-11-17"),
        ("14 December\u00a0 2016", "2016-12-14"),
        ("15 August2016", "2016-08-15"),
        ("7 october 2014", "2014-10-07"),
        ("2 Decembe 2015", "2015-12-02"),
        ("/0206/2023", "2023-06-02"),
        ("4 December 2013 Ref: 2013-0324 Deceased name: Joan Pettifer", "2013-12-04"),
        ("05/04/2021", "2021-04-05"),  # day first, never month first
        ("/2022", None),
        ("", None),
        ("31/02/2020", None),
    ],
)
def test_parse_report_date(raw, expected):
    assert parse_report_date(raw) == expected


def test_date_without_year_takes_the_fallback_year():
    assert parse_report_date("9 August") is None
    assert parse_report_date("9 August", fallback_year=2016) == "2016-08-09"


def test_parse_iso_datetime_and_clean_text():
    assert parse_iso_datetime("2023-10-09T14:02:11+01:00") == "2023-10-09"
    assert parse_iso_datetime("") is None
    assert clean_text("  a\u00a0\u00a0b \n\n c  ") == "a b\nc"


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("Date of report: 02/10/2023", "date_of_report", "02/10/2023"),
        ("Date of reports:\u00a0 2nd September 2025", "date_of_report", "2nd September 2025"),
        ("DATE OF REPORT : 1 May 2020", "date_of_report", "1 May 2020"),
        ("Ref: 2023-0371", "ref", "2023-0371"),
        ("REF:2023-0371", "ref", "2023-0371"),
        ("Deceased name: Ada Fenwick", "deceased_name", "Ada Fenwick"),
        ("Deceased\u2019s name: Ada Fenwick", "deceased_name", "Ada Fenwick"),
        ("Name of deceased: Ada Fenwick", "deceased_name", "Ada Fenwick"),
        ("Coroners name: Harriet Lowe", "coroner_name", "Harriet Lowe"),
        ("Coroner's name: Harriet Lowe", "coroner_name", "Harriet Lowe"),
        ("Name of coroner: Harriet Lowe", "coroner_name", "Harriet Lowe"),
        ("Coroner Area: Surrey", "coroner_area", "Surrey"),
        ("Coroner's Area: Surrey", "coroner_area", "Surrey"),
        ("Coroners: Area: Surrey", "coroner_area", "Surrey"),
        ("Category: Suicide (from 2015)", "category", "Suicide (from 2015)"),
        ("This report is being sent to: NHS England", "recipients", "NHS England"),
        ("These reports are being sent to: NHS England", "recipients", "NHS England"),
        ("This has been sent to: NHS England", "recipients", "NHS England"),
        ("This death is being sent to: NHS England", "recipients", "NHS England"),
        ("THIS REPORT IS BEING SENT TO: NHS England", "recipients", "NHS England"),
        ("This report was forwarded and sent to: NHS England", "recipients", "NHS England"),
    ],
)
def test_match_label_variants(line, field, value):
    assert match_label(line) == (field, value)


@pytest.mark.parametrize("line", ["The deceased was found at home.", "Area managers met", ""])
def test_lines_without_labels(line):
    assert match_label(line) is None


def test_split_inline_reads_a_summary_pasted_into_one_field():
    found = split_inline(
        "4 December 2013 Ref: 2013-0324 Deceased name: Joan Pettifer Coroners name: "
        "Michael Oddy Coroners Area: Swansea"
    )
    assert found == {
        "ref": "2013-0324",
        "deceased_name": "Joan Pettifer",
        "coroner_name": "Michael Oddy",
        "coroner_area": "Swansea",
    }
    assert split_inline("12/03/2020") == {}
