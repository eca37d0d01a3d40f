"""Briefing-pack figures for each kind of slice, merged trusts, and errors with suggestions."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline import cli
from tests.export_fixture import AS_OF, build_store
from tracker.db import open_db
from tracker.export import (
    ExportError,
    MissingTableError,
    UnknownFilterError,
    resolve_filters,
    run_export,
)
from tracker.export_pack import best_and_worst, build_pack


@pytest.fixture
def store(db):
    return build_store(db)


def pack_for(store, **filters):
    """Build a pack in memory for the given filters."""
    return build_pack(store, resolve_filters(store, AS_OF, **filters), extra_notes=[])


def by_org(pack) -> dict[str, dict]:
    return {row["organisation"]: row for row in pack.table("organisations")}


def test_mental_health_pack_counts_combined_trusts_and_imported_names(store):
    pack = pack_for(store, trust_subtype="mental_health")
    s = pack.summary()
    # r1 r2 r3 r4 r6 r7 r8 (crawled) + r11 (imported, matched by name); r10 has no date.
    assert (s["reports"], s["organisations"], s["recipients"]) == (8, 4, 8)
    assert (s["responded"], s["overdue"], s["pending"]) == (3, 4, 1)
    assert s["response_rate_pct"] == pytest.approx(42.9)
    orgs = by_org(pack)
    assert orgs["Leafshire Partnership NHS Trust"]["subtype"] == "mental_health_and_community"
    assert orgs["Northvale Healthcare NHS Foundation Trust"]["reports"] == 3
    assert {r["match_basis"]: r["requests"] for r in pack.table("matching")} == {
        "register": 7,
        "name": 1,
    }


def test_report_level_completion_follows_the_tracking_stage(store):
    pack = pack_for(store, trust_subtype="mental_health")
    s = pack.summary()
    # complete: r1 r4 r6; decided (not pending): r1 r2 r3 r4 r6 r8 r11.
    assert (s["reports_complete"], s["reports_complete_pct"]) == (3, 42.9)
    orgs = by_org(pack)
    assert orgs["Leafshire Partnership NHS Trust"]["reports_complete_pct"] == 100.0
    assert orgs["Northvale Healthcare NHS Foundation Trust"]["reports_complete_pct"] == 0.0
    assert orgs["Fenland and Marsh NHS Foundation Trust"]["reports_complete_pct"] == 50.0
    assert all(o["in_register"] == 1 for o in orgs.values())


def test_merged_trust_counts_under_both_and_the_pack_says_which(store):
    pack = pack_for(store, trust_subtype="mental_health")
    orgs = by_org(pack)
    successor = orgs["Fenland and Marsh NHS Foundation Trust"]
    predecessor = orgs["Old Fen Mental Health NHS Trust"]
    assert successor["reports"] == 2 and successor["overdue"] == 1
    assert successor["includes_reports_sent_to"] == "Old Fen Mental Health NHS Trust"
    assert predecessor["reports"] == 1
    assert predecessor["merged_into"] == "Fenland and Marsh NHS Foundation Trust"
    merged = pack.table("merged_trusts")
    assert merged == [
        {
            "successor": "Fenland and Marsh NHS Foundation Trust",
            "sent_to_predecessor": "Old Fen Mental Health NHS Trust",
            "predecessor_merged_on": "2020-04-01",
            "reports": 1,
        }
    ]
    assert any("also count under Fenland and Marsh" in note for note in pack.notes)
    # The overdue request is listed once, under both trusts it counts for.
    overdue = {r["ref"]: r for r in pack.table("overdue")}
    assert "Fenland and Marsh" in overdue["2019-0150"]["counted_under"]
    assert len(pack.table("overdue")) == 4


def test_successor_pack_includes_predecessor_reports(store):
    pack = pack_for(store, organisation="Fenland and Marsh NHS Foundation Trust")
    assert pack.summary()["reports"] == 2
    assert {r["ref"] for r in pack.table("reports")} == {"2019-0150", "2021-0200"}


def test_predecessor_pack_says_it_merged(store):
    pack = pack_for(store, organisation="old fen mental health nhs trust")
    assert pack.summary()["reports"] == 1
    assert any("merged into Fenland and Marsh" in note for note in pack.notes)


def test_ambulance_pack(store):
    s = pack_for(store, trust_subtype="ambulance").summary()
    assert (s["reports"], s["organisations"], s["recipients"]) == (3, 2, 4)
    assert s["response_rate_pct"] == 50.0


def test_filters_combine(store):
    both = pack_for(store, trust_subtype="mental_health", theme="medication")
    assert {r["ref"] for r in both.table("reports")} == {"2019-0150", "2020-0010", "2024-0501"}
    window = pack_for(
        store, trust_subtype="mental_health", date_from="2020-01-01", date_to="2023-12-31"
    )
    assert window.summary()["reports"] == 4  # r3 r4 r6 r11
    assert [r["year"] for r in window.table("reports_by_year")] == ["2020", "2021", "2022", "2023"]


def test_area_pack_counts_every_recipient(store):
    s = pack_for(store, area="northshire").summary()
    # r1 (trust + DHSC), r2 (to a merged trust), r7, r11.
    assert (s["reports"], s["recipients"]) == (4, 5)
    assert s["organisations"] == 4  # sent to Leafshire, DHSC, Old Fen and Northvale
    counted = {r["organisation"] for r in pack_for(store, area="northshire").table("organisations")}
    assert "Fenland and Marsh NHS Foundation Trust" in counted  # Old Fen's successor


def test_theme_pack_shows_representative_concerns(store):
    pack = pack_for(store, theme="Medication safety")
    themes = {t["theme_id"]: t for t in pack.table("themes")}
    assert themes["medication"]["reports"] == 4
    assert themes["medication"]["representative_concern"].startswith("Concern about medication")


def test_alias_resolves_an_organisation(store):
    filters = resolve_filters(store, AS_OF, organisation="LPT")
    assert filters.organisation == "Leafshire Partnership NHS Trust"


def test_foi_lists_follow_the_slice(store):
    mh = pack_for(store, trust_subtype="mental_health")
    assert [r["missing_from_site"] for r in mh.table("foi_lists")] == [1]
    assert [r["deceased_name"] for r in mh.table("foi_missing_from_site")] == ["Person Q"]
    assert pack_for(store, trust_subtype="ambulance").table("foi_lists") == []


def test_missing_refs_are_cut_to_the_window(store):
    pack = pack_for(store, trust_subtype="mental_health", date_from="2019-01-01")
    assert {r["year"]: r["missing_refs"] for r in pack.table("missing_refs")} == {2019: 2, 2021: 1}


def test_statuses_rebuilt_by_the_tracking_stage_give_the_same_pack(store):
    status = pytest.importorskip("tracker.status")
    before = pack_for(store, trust_subtype="mental_health").summary()
    status.rebuild_status(store, AS_OF)
    assert pack_for(store, trust_subtype="mental_health").summary() == before


def test_best_and_worst_names_trusts_with_no_response(store):
    lines = best_and_worst(pack_for(store, trust_subtype="mental_health").table("organisations"), 1)
    assert lines[0].startswith("Highest response rates: Leafshire Partnership NHS Trust 100.0%")
    assert "Lowest: Northvale Healthcare NHS Foundation Trust 0.0%" in lines[1]
    assert lines[2].startswith(
        "No response recorded from: Northvale Healthcare NHS Foundation Trust (3"
    )


def test_empty_slice_still_makes_a_pack(store, tmp_path):
    result = run_export(
        store, out=tmp_path, trust_subtype="acute", date_from="2024-01-01", as_of=AS_OF
    )
    assert result["reports"] == 0
    assert "No reports match" in (tmp_path / "pack.md").read_text()


@pytest.mark.parametrize(
    "kwargs, suggestion",
    [
        ({"trust_subtype": "mental_heath"}, "mental_health"),
        ({"trust_subtype": "ambulence"}, "ambulance"),
        ({"organisation": "Leafshire Partnership Trust"}, "Leafshire Partnership NHS Trust"),
        ({"theme": "medicaton"}, "medication"),
        ({"area": "Northshyre"}, "Northshire"),
    ],
)
def test_unknown_filter_suggests_the_closest(store, kwargs, suggestion):
    with pytest.raises(UnknownFilterError) as err:
        resolve_filters(store, AS_OF, **kwargs)
    assert isinstance(err.value, ValueError)
    assert suggestion in err.value.suggestions
    assert "did you mean" in str(err.value)


def test_ambiguous_name_lists_the_candidates(store):
    with pytest.raises(UnknownFilterError) as err:
        resolve_filters(store, AS_OF, organisation="Ambulance Service")
    assert err.value.suggestions == [
        "Coastal Ambulance Service NHS Trust",
        "Moorland Ambulance Service NHS Trust",
    ]


def test_bad_dates_and_formats_are_clear(store, tmp_path):
    with pytest.raises(ExportError, match="--from must be a date"):
        resolve_filters(store, AS_OF, date_from="1/7/2013")
    with pytest.raises(ExportError, match="after --to"):
        resolve_filters(store, AS_OF, date_from="2024-01-01", date_to="2023-01-01")
    with pytest.raises(UnknownFilterError, match="did you mean: xlsx"):
        run_export(store, out=tmp_path, formats=["xslx"], as_of=AS_OF)


def test_missing_status_table_names_the_command(store, tmp_path):
    store.execute("DROP VIEW IF EXISTS recipient_trusts")
    store.execute("DROP TABLE recipient_status")
    with pytest.raises(MissingTableError, match="pdt analyse"):
        run_export(store, out=tmp_path, trust_subtype="ambulance", as_of=AS_OF)


def file_store(tmp_path):
    data = tmp_path / "data"
    build_store(open_db(data / "pdt.db")).conn.close()
    return data


def test_cli_turns_errors_into_a_message_with_suggestions(tmp_path):
    data = file_store(tmp_path)
    args = ["--data-dir", str(data), "export", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, [*args, "--trust-subtype", "mental_heath"])
    assert result.exit_code == 1
    assert "unknown trust subtype 'mental_heath'; did you mean: mental_health" in result.output
    assert not isinstance(result.exception, ValueError)


def test_cli_writes_a_pack(tmp_path):
    data = file_store(tmp_path)
    out = tmp_path / "amb"
    args = ["--data-dir", str(data), "-q", "export", "--trust-subtype", "ambulance"]
    result = CliRunner().invoke(
        cli, [*args, "--out", str(out), "--format", "csv,md", "--as-of", AS_OF.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "reports" in result.output and (out / "pack.md").exists()
    assert not (out / "pack.xlsx").exists()


def test_a_subtype_nobody_has_says_why_the_pack_is_empty(store):
    pack = pack_for(store, trust_subtype="community")
    assert pack.summary()["reports"] == 0
    assert any("No organisation in the store has subtype community" in n for n in pack.notes)
    assert not any("No organisation" in n for n in pack_for(store, trust_subtype="acute").notes)


def test_imported_names_match_the_register_case_blind_and_by_alias(store):
    from tests.export_fixture import report_row

    for n, name in enumerate(["LEAFSHIRE PARTNERSHIP NHS TRUST", "LPT", "Leafshire Trust"]):
        rid = f"imp{n}"
        store["reports"].insert(report_row(rid, f"2022-090{n}", "2022-02-02", "Eastmere", "import"))
        store["recipient_status"].insert(
            {
                "id": f"import:{rid}:1",
                "report_id": rid,
                "recipient_id": f"import:{rid}:1",
                "organisation_name": name,
                "status": "responded",
            }
        )
    pack = pack_for(store, organisation="Leafshire Partnership NHS Trust")
    refs = {r["ref"] for r in pack.table("reports")}
    assert {"2022-0900", "2022-0901"} <= refs and "2022-0902" not in refs
