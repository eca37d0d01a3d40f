"""The organisation register, matching and typing, and the ODS refresh."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from nlp import ods
from nlp.organisations import OrgMatcher, matcher_for, run
from nlp.orgnames import core_key, near_acronym, normalise
from nlp.register import (
    SUBTYPES,
    Relation,
    check_register,
    load_register,
    overlay_dir,
    upsert_register,
)
from tests.conftest import shared_data_file

NHS_TYPES = {
    "Acute": {"acute", "specialist"},
    "Mental Health and Community (Combined)": {"mental_health_and_community"},
    "Mental Health": {"mental_health"},
    "Community": {"community"},
    "Ambulance": {"ambulance"},
}
# Where our subtype knowingly differs from NHS England's 2024 list: CLCH runs community
# services only, whatever the EPR list says.
SUBTYPE_EXCEPTIONS = {"RYX"}


@pytest.fixture(scope="module")
def register():
    return load_register()


@pytest.fixture(scope="module")
def matcher(register):
    return OrgMatcher(register)


def by_ods(register) -> dict[str, list]:
    found: dict[str, list] = {}
    for org in register.organisations.values():
        if org.ods_code:
            found.setdefault(org.ods_code, []).append(org)
    return found


def test_register_links_and_subtypes_are_valid(register):
    assert len(register.organisations) > 1000
    for org in register.organisations.values():
        if org.org_type == "nhs_trust" and org.country == "England" and not org.closed_on:
            assert org.nhs_trust_subtype in SUBTYPES, org.id
        if org.successor_id:
            assert org.merged_on, org.id
            assert register.organisations[org.successor_id].id != org.id


def test_every_2024_trust_is_in_the_register_with_its_type(register):
    path = shared_data_file("nhs_trust_types_2024.csv")
    codes = by_ods(register)
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 200
    for row in rows:
        orgs = [o for o in codes.get(row["ods_code"], []) if o.id == row["ods_code"]]
        assert orgs, f"{row['ods_code']} {row['organisation']} is missing"
        if row["ods_code"] not in SUBTYPE_EXCEPTIONS:
            assert orgs[0].nhs_trust_subtype in NHS_TYPES[row["trust_type"]], row


def test_every_trust_open_in_2024_from_ods_is_in_the_register(register):
    path = shared_data_file("nhs_ods_etr.csv")
    codes = by_ods(register)
    with path.open(encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            opened, closed = row[10], row[11]
            if opened <= "20240101" and (not closed or closed >= "20240101"):
                assert row[0] in codes, f"{row[0]} {row[1]}"


def test_icbs_and_welsh_health_boards_have_their_ods_codes(register):
    codes = by_ods(register)
    with shared_data_file("nhs_icb_names_codes_2024.csv").open(encoding="utf-8-sig") as fh:
        icbs = list(csv.DictReader(fh))
    assert len(icbs) == 42
    for row in icbs:
        assert codes[row["ICB24CDH"]][0].org_type == "icb"
    with shared_data_file("wales_health_boards.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            assert codes[row["ods_code"]][0].org_type == "health_board"


def test_forty_three_territorial_police_forces_plus_btp(register):
    police = [o for o in register.organisations.values() if o.org_type == "police"]
    territorial = [o for o in police if o.country in ("England", "Wales")]
    assert len(territorial) == 43
    assert any(o.name == "British Transport Police" for o in police)


def test_normalise_folds_the_usual_variants():
    assert normalise("Tees, Esk & Wear Valleys NHS Foundation Trust") == (
        "tees esk and wear valleys nhs ft"
    )
    assert normalise("HM Prison Leeds") == normalise("Leeds Prison") == "hmp leeds"
    assert normalise("N.I.C.E") == "nice"
    assert core_key(normalise("Pennine Care NHS Trust")) == "pennine care"


@pytest.mark.parametrize(
    ("text", "name", "method"),
    [
        ("Barts Health NHS Trust", "Barts Health NHS Trust", "exact"),
        ("SECAmb", "South East Coast Ambulance Service NHS Foundation Trust", "alias"),
        (
            "Lancashire Care NHS Foundation Trust",
            "Lancashire and South Cumbria NHS Foundation Trust",
            "alias",
        ),
        ("Pennine Care NHS Trust", "Pennine Care NHS Foundation Trust", "alias"),
        (
            "Royal Derby Hospital",
            "University Hospitals of Derby and Burton NHS Foundation Trust",
            "alias",
        ),
        ("CQC North", "Care Quality Commission", "alias"),
        (
            "Shrewsbery and Telford Hospital NHS Trust",
            "The Shrewsbury and Telford Hospital NHS Trust",
            "fuzzy",
        ),
        (
            "East Kent University Hospitals",
            "East Kent Hospitals University NHS Foundation Trust",
            "fuzzy",
        ),
        ("Secretary of State for Justice", "Ministry of Justice", "alias"),
        ("Devon and Cornwall Constabulary", "Devon and Cornwall Police", "exact"),
    ],
)
def test_match_names_the_register_body(matcher, text, name, method):
    found = matcher.match(text)
    assert (found.organisation_name, found.method) == (name, method)
    assert found.matched_on


def test_match_types_trusts_for_counting(matcher):
    assert (
        matcher.match(
            "Birmingham and Solihull Mental Health NHS Foundation Trust"
        ).nhs_trust_subtype
        == "mental_health"
    )
    assert matcher.match("NWAS").nhs_trust_subtype == "ambulance"
    assert matcher.match("Welsh Ambulance Service trust").nhs_trust_subtype == "ambulance"
    assert matcher.match("Great Ormond Street Hospital").nhs_trust_subtype == "specialist"


def test_a_merged_trust_keeps_its_own_type_and_points_at_its_successor(matcher):
    found = matcher.match("2gether NHS Foundation Trust")
    assert found.nhs_trust_subtype == "mental_health"
    assert matcher.orgs[found.organisation_id].successor_id == "RTQ"
    assert matcher.match("Heart of England NHS Foundation Trust").organisation_id == "RR1"


def test_councils_never_match_a_trust_that_shares_their_place(matcher):
    for text in ("Isle of Wight Council", "Cheshire East Council", "South Tyneside Council"):
        assert matcher.match(text).org_type == "local_authority", text


@pytest.mark.parametrize(
    ("text", "org_type"),
    [
        ("Wiltshire Council", "local_authority"),
        ("London Borough of Newham", "local_authority"),
        ("Sunnyside Nursing Home", "care_home"),
        ("Acme Widgets Ltd", "company"),
        ("Hilltop Medical Centre", "gp_practice"),
        ("Lincolnshire Fire and Rescue Service", "fire_service"),
        ("HMP Nowhere", "prison"),
        ("Minister of State for Roads", "government_department"),
        ("NHS Ruritania CCG", "ccg"),
        ("Mr John Smith", "individual"),
        ("REDACTED", "unknown"),
        ("Chief Executive", "unknown"),
    ],
)
def test_unmatched_text_is_typed_by_rule(matcher, text, org_type):
    found = matcher.match(text)
    assert found.org_type == org_type
    assert found.organisation_id is None
    assert found.method == ("none" if org_type == "unknown" else "pattern")


def test_loading_the_register_twice_changes_nothing(db, register):
    first = upsert_register(db, register)
    second = upsert_register(db, register)
    assert first["new"] == len(register.organisations)
    assert second["new"] == second["updated"] == 0
    assert second["unchanged"] == len(register.organisations)
    assert db["organisation_aliases"].count == first["aliases"]


def test_run_loads_the_register_into_the_store(db, config):
    assert run(db, config, progress=False)["new"] > 1000
    assert run(db, config, progress=False)["new"] == 0
    row = db["organisations"].get("RX4")
    assert row["nhs_trust_subtype"] == "mental_health"


# --- ODS refresh ---------------------------------------------------------------------------


def ods_record(code, name, start, end=None, successor=None, status="Active"):
    """Build an ORD organisation record in the shape the API returns."""
    record = {
        "Name": name,
        "OrgId": {"extension": code},
        "Status": status,
        "Date": [{"Type": "Operational", "Start": start, **({"End": end} if end else {})}],
        "Roles": {"Role": [{"id": "RO197", "primaryRole": True}]},
    }
    if successor:
        record["Succs"] = {
            "Succ": [
                {
                    "Type": "Successor",
                    "Date": [{"Type": "Legal", "Start": successor[1]}],
                    "Target": {"OrgId": {"extension": successor[0]}},
                }
            ]
        }
    return {"Organisation": record}


def fake_ods(records: dict[str, dict]):
    """Return a fetch function that answers like the ORD API for the given trust records."""

    def fetch(url: str) -> dict:
        if "PrimaryRoleId=RO197" in url and "Offset=0" in url:
            return {
                "Organisations": [
                    {
                        "OrgId": code,
                        "Status": r["Organisation"]["Status"],
                        "LastChangeDate": "2024-01-01",
                    }
                    for code, r in records.items()
                ]
            }
        if "PrimaryRoleId=" in url:
            return {"Organisations": []}
        return json.loads(json.dumps(records[url.rsplit("/", 1)[-1]]))

    return fetch


def test_parse_record_reads_dates_and_successors():
    parsed = ods.parse_record(
        ods_record("RZZ", "OLD TOWN NHS TRUST", "1994-04-01", "2020-03-31", ("RYY", "2020-04-01")),
        "RO197",
    )
    assert (parsed.code, parsed.opened_on, parsed.closed_on) == ("RZZ", "1994-04-01", "2020-03-31")
    assert parsed.successors == [("RYY", "2020-04-01")]


def test_title_case_keeps_nhs_and_small_words():
    assert (
        ods.title_case("THE ROYAL MARSDEN NHS FOUNDATION TRUST")
        == "The Royal Marsden NHS Foundation Trust"
    )
    assert ods.title_case("KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST").startswith(
        "King's College"
    )


def test_refresh_renames_links_and_adds_and_keeps_curated_types(config):
    records = {
        "RT2": ods_record("RT2", "PENNINE CARE NHS FOUNDATION TRUST", "2002-04-01"),
        "RW5": ods_record(
            "RW5",
            "LANCASHIRE AND SOUTH CUMBRIA MENTAL WELLBEING NHS FOUNDATION TRUST",
            "2002-04-01",
        ),
        "RYK": ods_record(
            "RYK",
            "DUDLEY INTEGRATED HEALTH AND CARE NHS TRUST",
            "2008-10-01",
            "2024-09-30",
            ("RNA", "2024-10-01"),
            "Inactive",
        ),
        "ZZ1": ods_record("ZZ1", "NEWTOWN COMMUNITY NHS TRUST", "2026-01-01"),
    }
    summary = ods.refresh_register(config.data_dir, "test", fetch=fake_ods(records))
    assert (summary.fetched, summary.added, summary.renamed, summary.needs_subtype) == (4, 1, 1, 1)
    refreshed = load_register(overlay_dir(config.data_dir))
    assert refreshed.organisations["RW5"].name.startswith("Lancashire and South Cumbria Mental")
    assert refreshed.organisations["RW5"].nhs_trust_subtype == "mental_health_and_community"
    assert refreshed.organisations["RYK"].successor_id == "RNA"
    assert refreshed.organisations["ZZ1"].nhs_trust_subtype is None
    found = matcher_for(config).match("Lancashire Care NHS Foundation Trust")
    assert found.organisation_id == "RW5"
    assert (
        matcher_for(config)
        .match("Lancashire and South Cumbria NHS Foundation Trust")
        .organisation_id
        == "RW5"
    )


def test_refresh_offline_fails_clearly(config, monkeypatch):
    from pipeline import cli

    def offline(url, user_agent, timeout=30.0):
        raise ods.OdsUnavailable(f"cannot read {url}: no network")

    monkeypatch.setattr(ods, "fetch_json", offline)
    result = CliRunner().invoke(cli, ["--data-dir", str(config.data_dir), "orgs", "refresh"])
    assert result.exit_code == 1
    assert "cannot be reached" in result.output and "shipped in nlp/data" in result.output
    assert not (overlay_dir(config.data_dir) / "organisations_refreshed.csv").exists()


@pytest.mark.network
def test_refresh_against_the_live_ods_api(config):
    summary = ods.refresh_register(config.data_dir, "PreventableDeathsTracker tests")
    assert summary.fetched > 200


def test_a_shared_abbreviation_follows_the_coroner_area(matcher):
    assert matcher.match("CPFT", None, "Cornwall and the Isles of Scilly").organisation_id == "RJ8"
    assert matcher.match("CPFT", None, "Cambridgeshire and Peterborough").organisation_id == "RT1"
    assert matcher.match("CPFT").organisation_id == "RT1"  # no context: the first listed
    # No place word of the area is in either name: the area's NHS region decides.
    assert matcher.match("SFT", None, "Wiltshire and Swindon").organisation_id == "RNZ"
    assert matcher.match("SFT", None, "Manchester South").organisation_id == "RWJ"


def test_a_misspelt_acronym_finds_the_only_body_it_can_be(matcher):
    for text in ("MRHA", "MHPRA"):
        found = matcher.match(text)
        assert (found.organisation_name, found.method) == (
            "Medicines and Healthcare products Regulatory Agency",
            "fuzzy",
        ), text
    assert near_acronym("mrha", "mhra") and near_acronym("mhpra", "mhra")
    assert not near_acronym("nhsx", "nhse")  # a different letter is a different body
    assert not near_acronym("cqc", "cqc") and not near_acronym("qcc", "cqc")  # too short


@pytest.mark.parametrize(
    ("text", "trust"),
    [("Fulbourn Hospital", "RT1"), ("Prestwich Hospital", "RXV"), ("Ashworth Hospital", "RW4")],
)
def test_mental_health_units_belong_to_their_trust(matcher, text, trust):
    found = matcher.match(text)
    assert (found.organisation_id, found.method) == (trust, "alias")
    assert found.nhs_trust_subtype in ("mental_health", "mental_health_and_community")


@pytest.mark.parametrize(
    "text",
    [
        "Larchfield Care Ltd",
        "Brambleside Lodge",
        "Quillan Home Help Service",
        "Oakvale Care Central",
    ],
)
def test_small_care_providers_are_typed_as_care(matcher, text):
    found = matcher.match(text)
    assert (found.org_type, found.method, found.organisation_id) == ("care_home", "pattern", None)


@pytest.mark.parametrize(
    "text", ["Adult Social Care", "Crown Court", "County Hall", "Travel Lodge"]
)
def test_care_rules_leave_councils_courts_and_hotels_alone(matcher, text):
    assert matcher.match(text).org_type != "care_home"


def test_relations_say_who_answers_for_whom_and_when(register):
    assert register.parents("RW6", "2018-01-28") == {"RM3"}
    assert register.parents("RW6", "2015-01-28") == set()
    prison = next(o.id for o in register.organisations.values() if o.org_type == "prison")
    assert "hm-prison-and-probation-service" in register.parents(prison, "2020-01-01")
    assert register.type_parents()["hm-prison-and-probation-service"] == "prison"
    with pytest.raises(ValueError, match="unknown id"):
        check_register(register.organisations, [], [Relation("RW6", "no-such-body", "part_of")])


@pytest.mark.parametrize(
    ("text", "ods_code", "subtype"),
    [
        ("Northumbria Health Trust", "RTF", "acute"),
        ("East Lancashire Healthcare NHS Trust", "RXR", "acute"),
    ],
)
def test_a_misnamed_trust_is_the_one_trust_with_its_place_words(matcher, text, ods_code, subtype):
    found = matcher.match(text)
    assert (found.ods_code, found.nhs_trust_subtype, found.method) == (ods_code, subtype, "fuzzy")


def test_place_words_shared_by_two_trusts_match_neither(matcher):
    found = matcher.match("Sussex Health Trust")
    assert found.organisation_id is None
    assert found.org_type == "nhs_trust"


def test_government_departments_by_pattern_and_old_names(matcher):
    found = matcher.match("Foreign and Commonwealth Affairs")
    assert (found.organisation_id, found.org_type) == (
        "foreign-and-commonwealth-office",
        "government_department",
    )
    assert matcher.match("Foreign Office").organisation_id == "foreign-and-commonwealth-office"


@pytest.mark.parametrize(
    "text",
    [
        "High Commissioner for Saint Lucia to the UK",
        "Embassy of the Republic of Poland",
        "Government of Jersey",
        "Consulate General of Ireland",
    ],
)
def test_foreign_governments_and_their_missions_are_other(matcher, text):
    assert matcher.match(text).org_type == "other"


@pytest.mark.parametrize(
    ("text", "org_type"),
    [("Ambassador Theatre Group", "company"), ("Welsh Government", "government_department")],
)
def test_the_foreign_rule_leaves_look_alikes_alone(matcher, text, org_type):
    assert matcher.match(text).org_type == org_type


def test_a_minister_is_matched_by_portfolio_not_by_title(matcher):
    crime = matcher.match("Minister of State for Crime")
    assert crime.organisation_id == "home-office"
    care = matcher.match("Minister of State for Care")
    assert care.organisation_id == "department-of-health-and-social-care"


@pytest.mark.parametrize(
    ("text", "org_type"),
    [("Lean on Me Care Agency", "care_home"), ("Environment Agency", "national_body")],
)
def test_a_care_agency_is_a_care_provider_not_a_public_agency(matcher, text, org_type):
    assert matcher.match(text).org_type == org_type
