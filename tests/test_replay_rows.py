"""Pure helpers of the replay: refs, dates, file names, slugs, deterministic choices."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.replay import category_slug, normalise_ref, parse_date_text
from crawler.replay.model import pick_subset
from crawler.replay.names import classify_file_name, org_from_file_name
from crawler.replay.rows import parse_pasted_summary, split_recipients_for_pdf
from crawler.replay.variants import DATE_STYLES


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ("2019-0135", "2019-0135"),
        ("2016 \u2013 0396", "2016-0396"),
        ("2019-0135A", "2019-0135A"),
        ("2016-026", "2016-0026"),
        ("20199-0001", "2019-0001"),
        ("", None),
        ("n/a", None),
    ],
)
def test_normalise_ref(raw, ref):
    assert normalise_ref(raw) == ref


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("21 July 2016", date(2016, 7, 21)),
        ("27/11/2023", date(2023, 11, 27)),
        ("01/07/22", date(2022, 7, 1)),
        ("08 /03/2024", date(2024, 3, 8)),
        ("17\xa0 November 2017", date(2017, 11, 17)),
        ("15 August2016", date(2016, 8, 15)),
        ("21st January 2015", date(2015, 1, 21)),
        ("7 october 2014", date(2014, 10, 7)),
        ("4 December 2013 Ref: 2013-0324 Deceased name: A B", date(2013, 12, 4)),
        ("/2022", None),
        ("", None),
    ],
)
def test_parse_date_text(raw, day):
    assert parse_date_text(raw) == day


def test_missing_year_comes_from_the_hint():
    assert parse_date_text("9 August", year_hint=2021) == date(2021, 8, 9)
    assert parse_date_text("9 August") is None


def test_every_printed_date_style_reads_back():
    day = date(2024, 3, 5)
    for name, style in DATE_STYLES.items():
        assert parse_date_text(style(day)) == day, name


@pytest.mark.parametrize(
    ("name", "kind", "org"),
    [
        ("Jane-Doe-Prevention-of-future-deaths-report-2023-0033_Published.pdf", "report", ""),
        ("Doe-2015-0018.pdf", "report", ""),
        ("Jane-DoeR.pdf", "report", ""),
        ("2023-0033-Response-from-NHS-England.pdf", "response", "NHS England"),
        ("2017-0198-Response-by-Leeds-City-Council_Redacted.pdf", "response", "Leeds City Council"),
        (
            "2023-0032-Respomse-from-Royal-Cornwall-Hospital-.pdf",
            "response",
            "Royal Cornwall Hospital",
        ),
        (
            "2023-0240-University-Hospitals-of-North-Midlands-.pdf",
            "response",
            "University Hospitals of North Midlands",
        ),
        ("CCG-Response.pdf", "response", ""),
        ("2020-0040-accompanying-letter_Redacted.pdf", "other", ""),
        ("Jane-Doe-further-report.pdf", "report", ""),
    ],
)
def test_file_names(name, kind, org):
    assert classify_file_name(name, "Jane Doe", is_main_pdf=False) == kind
    if kind == "response":
        assert org_from_file_name(name, "Jane Doe") == org


def test_category_slugs_match_the_site():
    assert category_slug("Suicide (from 2015)") == "suicide-from-2015"
    assert category_slug("Alcohol, drug and medication related deaths") == (
        "alcohol-drug-and-medication-related-deaths"
    )
    assert (
        category_slug("Hospital Death (Clinical Procedures and medical management) related deaths")
        == "hospital-death-clinical-procedures-and-medical-management-related-deaths"
    )


def test_recipients_split_only_on_safe_separators():
    raw = "1. NHS England\n2. Tees, Esk and Wear Valleys NHS Foundation Trust; Derby and Burton | X"
    assert split_recipients_for_pdf(raw) == [
        "NHS England",
        "Tees, Esk and Wear Valleys NHS Foundation Trust",
        "Derby and Burton",
        "X",
    ]


def test_pasted_summary_fields():
    found = parse_pasted_summary(
        "4 May 2013 Ref: 2013-0001 Deceased name: Ann Lee Coroners name: B Cole "
        "Coroners Area: Kent Category: Other"
    )
    assert found == {
        "ref": "2013-0001",
        "deceased_name": "Ann Lee",
        "coroner_name": "B Cole",
        "coroner_area": "Kent",
        "category": "Other",
    }


def test_pick_subset_is_deterministic_and_sized():
    keys = [f"k{i}" for i in range(200)]
    assert pick_subset(keys, 0.05, 1, "x") == pick_subset(keys, 0.05, 1, "x")
    assert pick_subset(keys, 0.05, 1, "x") != pick_subset(keys, 0.05, 2, "x")
    assert len(pick_subset(keys, 0.05, 1, "x")) == 10
    assert len(pick_subset(keys[:3], 0.01, 1, "x")) == 1
    assert pick_subset(keys, 0.0, 1, "x") == []


def test_production_code_never_imports_the_replay():
    root = Path(__file__).resolve().parents[1]
    production = [p for p in root.glob("crawler/**/*.py") if "replay" not in p.parts]
    production += [root / "pipeline.py", *root.glob("nlp/**/*.py")]
    offenders = [p.name for p in production if "crawler.replay" in p.read_text(encoding="utf-8")]
    assert not offenders
