"""Concern themes: the taxonomy, item splitting, label mapping, the classifier and the stage."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nlp import themes
from nlp.concern_text import model_text, split_items, strip_boilerplate
from nlp.taxonomy import load_taxonomy, seed_hits
from nlp.theme_labels import LabelledReport, apply_rule, labels_for_row, load_labelled
from nlp.theme_model import load_model, save_model
from nlp.theme_score import ReportText, fallback_themes, keyword_scores, report_hits, rollup
from nlp.theme_train import age_note, build_training_set, read_corpus, train_themes
from pipeline import cli
from tests.conftest import SHARED_DATA, shared_data_file

# Concern items written for these tests (not the shipped examples), one theme each.
HELD_OUT = {
    "communication": "The hospital never sent the discharge letter, so the practice did not know "
    "that his tablets had been stopped, and the information was not shared with the family.",
    "roads_highways": "The speed limit at the junction is too high and drivers cannot see "
    "pedestrians crossing the carriageway at night.",
    "medication": "The pharmacist dispensed the wrong strength of the opioid and the prescription "
    "was never reviewed by a doctor.",
    "suicide_self_harm": "The door hinges on the ward were a ligature point and staff had no "
    "ligature cutters when he tried to take his own life.",
}
REPORTS = [
    {"id": "r-mh", "url": "u1", "categories": json.dumps(["Mental Health related deaths"])},
    {
        "id": "r-road",
        "url": "u2",
        "categories": json.dumps(["Road (Highways Safety) related deaths"]),
        "recipients_raw": "National Highways",
    },
    {
        "id": "r-amb",
        "url": "u3",
        "categories": json.dumps([]),
        "recipients_raw": "East Midlands Ambulance Service NHS Trust",
    },
    {"id": "r-bad", "url": "u4", "categories": "this is not json"},
]
CONCERNS = [
    ("c1", "r-mh", 1, HELD_OUT["suicide_self_harm"]),
    ("c2", "r-mh", 2, HELD_OUT["communication"]),
    ("c3", "r-mh", 3, HELD_OUT["medication"]),
]


def fill_store(db) -> None:
    """Insert the test reports, concern items and one circumstances section."""
    db["reports"].insert_all(REPORTS)
    db["concerns"].insert_all(
        {"id": cid, "report_id": rid, "position": pos, "text": text}
        for cid, rid, pos, text in CONCERNS
    )
    db["sections"].insert(
        {
            "report_id": "r-mh",
            "name": "circumstances",
            "text": "He was 15 years old and under the care of CAMHS.",
            "source": "pdf",
        }
    )


def add_report(db, report_id: str, **sections: str) -> None:
    """Insert a report with no tags and its sections from the PDF, by name."""
    db["reports"].insert({"id": report_id, "url": "u", "categories": "[]"})
    db["sections"].insert_all(
        {"report_id": report_id, "name": name, "source": "pdf", "text": text}
        for name, text in sections.items()
    )


# --- taxonomy ------------------------------------------------------------------------------


def test_taxonomy_has_the_themes_the_issue_asks_for():
    tax = load_taxonomy()
    assert 20 <= len(tax.themes) <= 30
    assert len(set(tax.ids)) == len(tax.ids)
    for wanted in (
        "communication",
        "risk_assessment",
        "medication",
        "falls",
        "roads_highways",
        "ambulance_response",
        "learning_disability_autism",
        "gp_out_of_hours",
    ):
        assert wanted in tax.ids
    for theme in tax.themes:
        assert theme.label and theme.description and theme.inclusion_notes
        assert len(theme.examples) >= 4, theme.id
        assert tax.seeds[theme.id], f"{theme.id} has no seed patterns"


def test_seed_patterns_find_most_of_their_own_examples():
    tax = load_taxonomy()
    hits = [
        sum(t.id in seed_hits(e, tax) for e in t.examples) / len(t.examples) for t in tax.themes
    ]
    assert min(hits) > 0
    assert np.mean(hits) >= 0.7


def test_keyword_baseline_reads_held_out_sentences():
    tax = load_taxonomy()
    for theme_id, text in HELD_OUT.items():
        assert theme_id in seed_hits(text, tax)


# --- concern text --------------------------------------------------------------------------


def test_split_items_numbered_and_boilerplate():
    section = (
        "During the course of the inquest the evidence revealed matters giving rise to concern. "
        "In my opinion there is a risk that future deaths will occur unless action is taken. "
        "In the circumstances it is my statutory duty to report to you.\n"
        "The MATTERS OF CONCERN are as follows:\n"
        "(1) The ward had no policy on night-time observations of new patients.\n"
        "(2) Agency nurses were not told how to use the electronic record."
    )
    assert split_items(section) == [
        "The ward had no policy on night-time observations of new patients.",
        "Agency nurses were not told how to use the electronic record.",
    ]


def test_split_items_paragraphs_and_single_item():
    text = (
        "The junction has no warning signs for drivers.\n\nThe speed limit on the bend "
        "has not been reviewed since the road was widened."
    )
    assert len(split_items(text)) == 2
    assert split_items("Only one concern here, about the lack of beds in the county.") == [
        "Only one concern here, about the lack of beds in the county."
    ]
    assert split_items("") == [] and split_items(None) == []


def test_boilerplate_only_section_gives_no_items():
    text = (
        "During the course of the investigation my inquiries revealed matters giving rise to "
        "concern. In my opinion there is a risk that future deaths could occur unless action "
        "is taken. In the circumstances it is my statutory duty to report to you."
    )
    assert split_items(text) == []
    assert strip_boilerplate("The MATTERS OF CONCERN are, as follows:") == ""


def test_ages_become_words_for_the_vectoriser():
    assert "agechild" in model_text("a 15-year-old boy")
    assert "ageinfant" in model_text("the 6 week old baby")
    assert "ageadult" in model_text("aged 47")


def test_age_note_reads_the_deceased_age_from_the_investigation():
    opening = "On 3 May I opened an investigation into the death of Sam Doe, aged 16. "
    assert age_note(opening + "His father, aged 52, gave evidence.") == "aged 16"
    assert age_note("The inquest into the death of the 7 week old baby was resumed.") == (
        "7 week old"
    )
    assert age_note("The inquest concluded on 1 June with a narrative conclusion.") == ""
    assert age_note("x " * 600 + "aged 16") == ""  # only the opening is searched
    assert age_note(None) == ""


# --- labelled files ------------------------------------------------------------------------


def test_label_rules():
    row = {"a": "True", "b": "False", "x": "Yes", "y": "No", "z": "Yes", "age": "15", "both": "No"}
    assert apply_rule({"frame": True}, row) is True
    assert apply_rule({"any": ["a", "b"]}, row) is True
    assert apply_rule({"any": ["b"]}, row) is False
    assert apply_rule({"any": ["missing"]}, row) is None
    assert apply_rule({"majority": ["x", "y", "z"]}, row) is True
    assert apply_rule({"majority": ["y", "b"]}, row) is False
    assert apply_rule({"majority": ["y"], "true_if": "x"}, row) is True
    assert apply_rule({"age_under": 18, "adult_from": 18}, row) is True
    assert apply_rule({"age_under": 18}, {"age": "40"}) is False
    assert apply_rule({"age_under": 18}, {"age": "NA"}) is None
    young_adults = {"age_under": 18, "adult_from": 25}
    assert apply_rule(young_adults, {"age": "21"}) is None
    assert apply_rule(young_adults, {"age": "25"}) is False
    gated = {"only_if": "gate", "themes": {"training": {"any": ["a"]}}}
    assert labels_for_row(gated, {"gate": "False", "a": "True"}) == {}
    assert labels_for_row(gated, {"gate": "True", "a": "True"}) == {"training": True}


def test_load_labelled_merges_files_by_url(tmp_path: Path):
    mapping = tmp_path / "map.yml"
    mapping.write_text(
        "files:\n"
        "  - name: one.csv\n    themes:\n      roads_highways: {frame: true}\n"
        "  - name: two.csv\n    themes:\n      training: {any: [training_gap]}\n"
        "  - name: absent.csv\n    themes:\n      falls: {frame: true}\n"
    )
    fields = ["url", "concerns", "circumstances", "training_gap", "investigation"]
    for name, rows in {
        "one.csv": [["https://x/reports/a-report/", "Concern about the bend.", "", "", ""]],
        "two.csv": [
            [
                "https://x/reports/a-report",
                "Concern about the bend and the lorry.",
                "",
                "True",
                "An inquest into the death of A, aged 16.",
            ],
            ["https://x/reports/b/", "Staff were trained.", "", "False", ""],
        ],
    }.items():
        with (tmp_path / name).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(fields)
            writer.writerows(rows)
    found = {r.key: r for r in load_labelled(tmp_path, mapping)}
    assert found["a-report"].labels == {"roads_highways": True, "training": True}
    assert found["a-report"].concerns == "Concern about the bend and the lorry."
    assert found["a-report"].investigation == "An inquest into the death of A, aged 16."
    assert found["b"].investigation == ""
    assert found["b"].labels == {"training": False}
    assert load_labelled(None) == [] and load_labelled(tmp_path / "nowhere") == []


# --- the classifier ------------------------------------------------------------------------


def test_default_model_from_shipped_seeds_reads_held_out_items(db, config):
    fill_store(db)
    model = train_themes(db, config, use_labelled=False)
    assert model.version.startswith("themes-seed-")
    tax = load_taxonomy()
    scores = model.predict_proba(list(HELD_OUT.values()))
    for i, theme_id in enumerate(HELD_OUT):
        j = tax.ids.index(theme_id)
        assert scores[i, j] >= 0.5, (theme_id, scores[i, j])
        assert scores[i, j] == scores[i].max() or scores[i, j] > 0.6


def test_training_is_reproducible_for_a_seed(db, config):
    fill_store(db)
    first = train_themes(db, config, use_labelled=False, seed=7)
    second = train_themes(db, config, use_labelled=False, seed=7)
    texts = list(HELD_OUT.values())
    assert first.version == second.version
    assert np.array_equal(first.predict_proba(texts), second.predict_proba(texts))
    assert load_model(config.models_dir).version == first.version


def test_gold_reports_tune_thresholds_and_stackers():
    tax = load_taxonomy()
    gold = []
    for i in range(24):
        is_road = i % 2 == 0
        text = (
            f"The junction on road {i} needs a lower speed limit and better signs."
            if is_road
            else f"Ward {i} had too few nurses on the night shift."
        )
        gold.append(LabelledReport(f"r{i}", text, "", {"roads_highways": is_road}))
    data = build_training_set(tax, None, gold)
    from nlp.theme_fit import C_GRID, fit_theme_model

    model = fit_theme_model(
        data,
        tax.ids,
        [t.context for t in tax.themes],
        seeds={t: p.pattern for t, p in tax.combined.items()},
        seed=1,
    )
    assert "roads_highways" in model.stackers
    assert "roads_highways" in model.thresholds
    assert model.card["themes"]["roads_highways"]["C"] in C_GRID
    falls = model.card["themes"]["falls"]  # no gold reports: the defaults
    assert falls["C"] == 1.0 and falls["threshold"] == 0.5
    j = tax.ids.index("roads_highways")
    scores = model.predict_proba(
        [
            "The speed limit on the dual carriageway is too high.",
            "The nursing rota was short of staff.",
        ]
    )
    assert scores[0, j] >= 0.5 > scores[1, j]


# --- scoring helpers -----------------------------------------------------------------------


def test_rollup_takes_context_themes_from_circumstances_only():
    mask = np.array([False, True])  # an issue theme, then a context theme
    report = ReportText("r", [("c1", "one"), ("c2", "two")], "one two", "circumstances")
    assert len(report.texts()) == 4  # two items, the whole section, section + circumstances
    scores = np.array([[0.2, 0.1], [0.7, 0.2], [0.4, 0.3], [0.9, 0.8]])
    rolled = rollup(report, scores, mask)
    assert rolled.report.tolist() == [0.7, 0.8]  # the last row counts for the context theme
    assert rolled.n_concerns.tolist() == [1, 0]
    assert rolled.items.shape == (2, 2)


def test_report_hits_match_the_seeds_on_every_scored_text(db, config):
    fill_store(db)
    model = train_themes(db, config, use_labelled=False)
    items = [(cid, text) for cid, _, _, text in CONCERNS]
    cases = [
        ReportText("a", items, "\n\n".join(t for _, t in items), "A 15-year-old at school."),
        ReportText("b", items[:1], items[0][1], ""),
        ReportText("c", [], HELD_OUT["roads_highways"], "He was driving a lorry."),
        ReportText("d", [], "", "He was driving a lorry."),
        ReportText("e", items[:1], items[0][1], "", age="aged 15"),
        ReportText("f", items, "\n\n".join(t for _, t in items), "At school.", age="aged 9"),
    ]
    for report in cases:
        assert np.array_equal(report_hits(model, report), model.seed_hits(report.texts()))


def test_saved_model_from_another_format_is_retrained(db, config):
    fill_store(db)
    model = train_themes(db, config, use_labelled=False)
    model.card["format"] = -1
    save_model(model, config.models_dir)
    assert load_model(config.models_dir) is None
    themes.run(db, config, progress=False)
    assert load_model(config.models_dir) is not None


def test_fallback_from_categories_and_recipients():
    tax = load_taxonomy()
    found = fallback_themes(
        tax,
        ["Road (Highways Safety) related deaths"],
        ["ambulance_trust", "Somewhere Ambulance Service NHS Trust"],
    )
    assert found == {"roads_highways": 0.6, "ambulance_response": 0.55}
    assert fallback_themes(tax, [], []) == {}


def test_keyword_scores_use_circumstances_only_for_context_themes():
    tax = load_taxonomy()
    report = ReportText(
        "r",
        [],
        "The protocol was not followed.",
        "He was a 14-year-old pupil; the protocol had been reviewed.",
    )
    kw = keyword_scores(tax, report)
    assert kw[tax.ids.index("children_young_people")] == 1
    assert kw[tax.ids.index("policies_procedures")] == 1
    only_circ = ReportText("r", [], "Nothing else.", "His discharge letter was late.")
    assert keyword_scores(tax, only_circ)[tax.ids.index("discharge_transfer")] == 0


def test_the_stated_age_is_context_for_context_themes_only():
    tax = load_taxonomy()
    child = tax.ids.index("children_young_people")
    report = ReportText("r", [], "The protocol was not followed.", "", age="aged 15")
    concerns = "The protocol was not followed."
    assert report.texts() == [concerns, concerns + "\n\naged 15"]
    assert keyword_scores(tax, report)[child] == 1
    assert keyword_scores(tax, ReportText("r", [], "aged 15 was written here.", ""))[child] == 1
    adult = ReportText("r", [], "The protocol was not followed.", "He fell.", age="aged 47")
    assert keyword_scores(tax, adult)[child] == 0
    issue_only = rollup(report, np.array([[0.1, 0.2], [0.3, 0.9]]), np.array([False, True]))
    assert issue_only.report.tolist() == [0.1, 0.9]  # the age row counts for context themes


# --- the stage -----------------------------------------------------------------------------


def test_run_writes_items_reports_and_fallbacks(db, config):
    fill_store(db)
    figures = themes.run(db, config, progress=False)
    tax = load_taxonomy()
    assert db["themes"].count == len(tax.themes)
    assert figures["reports_text"] == 1 and figures["reports_fallback"] == 3
    by_item = {(r["concern_id"], r["theme_id"]) for r in db["concern_themes"].rows}
    assert ("c1", "suicide_self_harm") in by_item
    assert ("c2", "communication") in by_item
    assert ("c3", "medication") in by_item
    mh = {r["theme_id"]: r for r in db.query("SELECT * FROM report_themes WHERE report_id='r-mh'")}
    assert mh["suicide_self_harm"]["source"] == "text"
    assert mh["suicide_self_harm"]["n_concerns"] >= 1
    assert all(r["score"] >= 0.5 for r in mh.values())
    road = list(db.query("SELECT * FROM report_themes WHERE report_id='r-road'"))
    assert [(r["theme_id"], r["source"]) for r in road] == [("roads_highways", "fallback")]
    assert road[0]["model_version"] == themes.FALLBACK_VERSION
    amb = {r["theme_id"] for r in db.query("SELECT * FROM report_themes WHERE report_id='r-amb'")}
    assert amb == {"ambulance_response"}
    assert not any(r["report_id"] == "r-bad" for r in db["report_themes"].rows)


def test_run_twice_changes_nothing_and_reuses_the_model(db, config):
    fill_store(db)
    themes.run(db, config, progress=False)
    path = config.models_dir / "themes.joblib"
    stamp = path.stat().st_mtime_ns
    first = sorted(tuple(r.values()) for r in db["report_themes"].rows)
    themes.run(db, config, progress=False)
    assert path.stat().st_mtime_ns == stamp
    assert sorted(tuple(r.values()) for r in db["report_themes"].rows) == first


def test_report_with_only_a_concerns_section_is_split(db, config):
    add_report(
        db, "r1", concerns="1. " + HELD_OUT["roads_highways"] + "\n2. " + HELD_OUT["medication"]
    )
    themes.run(db, config, progress=False)
    got = {r["theme_id"] for r in db["report_themes"].rows}
    assert {"roads_highways", "medication"} <= got
    assert db["concern_themes"].count == 0  # no concern rows to attach item themes to


def test_run_reads_the_age_from_the_investigation_section(db, config):
    add_report(
        db,
        "r1",
        concerns=HELD_OUT["medication"],
        investigation="I opened an investigation into the death of Sam Doe, aged 14.",
        circumstances="He fell ill.",
    )
    assert read_corpus(db).contexts == ["aged 14\n\nHe fell ill."]
    themes.run(db, config, progress=False)
    got = {r["theme_id"] for r in db["report_themes"].rows}
    assert {"medication", "children_young_people"} <= got
    db["sections"].delete_where("name = 'investigation'")
    themes.run(db, config, progress=False)
    assert "children_young_people" not in {r["theme_id"] for r in db["report_themes"].rows}


def test_cli_train_themes(tmp_path: Path):
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path), "train", "themes", "--no-labelled", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"model_version\s+themes-seed-\w+-s3", result.output)
    assert (tmp_path / "models" / "themes.joblib").exists()
    card = json.loads((tmp_path / "models" / "themes.json").read_text())
    assert card["seed"] == 3 and card["gold_reports"] == 0


@pytest.mark.slow
def test_cross_validated_model_beats_keywords_on_shared_labels():
    shared_data_file("pfdtoolkit_suicide_family_themes.csv")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from themes import cross_validate, report_text, weak_corpus

    tax = load_taxonomy()
    gold = load_labelled(SHARED_DATA)
    cv = cross_validate(gold, weak_corpus({g.key for g in gold}), tax, folds=3, seed=1)
    keywords = np.array([keyword_scores(tax, report_text(g)) for g in gold])
    model_f1, kw_f1 = [], []
    for j, tid in enumerate(tax.ids):
        idx = [i for i, g in enumerate(gold) if tid in g.labels]
        y = np.array([gold[i].labels[tid] for i in idx], dtype=int)
        if y.sum() < 20:
            continue
        kw = keywords[idx, j]
        pred = cv[idx, j] >= 0.5
        model_f1.append(2 * (pred & (y == 1)).sum() / (pred.sum() + y.sum()))
        kw_f1.append(2 * ((kw == 1) & (y == 1)).sum() / (kw.sum() + y.sum()))
    assert np.mean(model_f1) > np.mean(kw_f1)
