"""The category audit: site tags against the report text, and the flags users facet on."""

from __future__ import annotations

import json

import numpy as np

from nlp import audit
from nlp.audit_rules import load_categories, parse_site_categories, rule_evidence

CATS = load_categories()
ROAD = "Road (Highways Safety) related deaths"
HOSPITAL = "Hospital Death (Clinical Procedures and medical management) related deaths"
CUSTODY = "State Custody related deaths"
SUICIDE = "Suicide (from 2015)"
MENTAL = "Mental Health related deaths"
OTHER = "Other related deaths"
# Text written for these tests: the vocabulary of four kinds of report.
KINDS = {
    ROAD: "Mr {n} was driving on the dual carriageway when his car left the road at the bend "
    "near junction {i}; the speed limit and the signs at the junction were discussed.",
    HOSPITAL: "Mrs {n} was admitted to the surgical ward for an operation; after surgery her "
    "observations worsened and the registrar was not called until the morning.",
    CUSTODY: "Mr {n} was remanded to the prison and placed in a cell on wing {i}; officers did "
    "not complete the checks of prisoners on the wing overnight.",
    SUICIDE: "Ms {n} had a history of depression. The conclusion of the inquest was suicide; "
    "she had been discharged by the crisis team {i} days earlier.",
}
NAMES = ["Ash", "Birch", "Cedar", "Dale", "Elm", "Fern", "Gale", "Hale", "Ivy", "Jay"]


def report(rid: str, tags: list[str], text: str | None, date: str = "2020-05-01") -> tuple:
    """Return a reports row and, when there is text, its circumstances section."""
    row = {"id": rid, "url": rid, "categories": json.dumps(tags), "date_of_report": date}
    section = {"report_id": rid, "name": "circumstances", "text": text, "source": "pdf"}
    return row, section if text else None


def fill(db, per_kind: int = 30) -> None:
    """Insert tagged reports of each kind, and the planted cases the audit should flag."""
    rows = []
    for tag, template in KINDS.items():
        for i in range(per_kind):
            text = template.format(n=NAMES[i % 10], i=i)
            rows.append(report(f"{tag[:4].lower()}-{i}", [tag], text))
    suicide_text = "The conclusion of the inquest was suicide. He had been seen by the GP."
    rows += [
        report("planted-suicide", [MENTAL], suicide_text),
        report("planted-old-suicide", [MENTAL], suicide_text, date="2013-04-01"),
        report(
            "planted-other-road",
            [OTHER],
            "A road traffic collision on the A1 killed him; "
            "the junction had poor signs and the speed limit was too high.",
        ),
        report(
            "planted-untagged",
            [],
            "He was a prisoner at HMP Northside and was found in his "
            "cell; the wing officers had not checked on him.",
        ),
        report("planted-no-text", [HOSPITAL], None),
        report(
            "planted-unsure",
            [HOSPITAL],
            "I could not be sure that he intended to take his "
            "own life. He was on the surgical ward after an operation.",
        ),
    ]
    db["reports"].insert_all(r for r, _ in rows)
    db["sections"].insert_all(s for _, s in rows if s)


def test_site_tags_map_to_categories():
    ids, unknown = parse_site_categories(
        [
            SUICIDE,
            "Prevention of Future Deaths",
            "Community health care",
            "Mental Health related deaths; Wales prevention of future deaths reports"
            " (2019 onwards)",
            "Something new",
        ],
        CATS,
    )
    assert ids == ["suicide", "community_health_emergency", "mental_health", "wales"]
    assert unknown == ["Something new"]
    assert len(CATS.items) == 17


def test_suicide_rules_want_the_death_itself():
    suicide = CATS.get("suicide")
    assert rule_evidence("The conclusion of the inquest was suicide.", suicide)
    assert rule_evidence("On 3 May she took her own life at home.", suicide)
    assert rule_evidence("He hanged himself in the garage.", suicide)
    assert (
        rule_evidence("While it was likely he took his own life, I could not be sure.", suicide)
        is None
    )
    assert rule_evidence("In 2019 he attempted to take his own life.", suicide) is None
    assert rule_evidence("She had expressed thoughts of ending her life.", suicide) is None
    assert rule_evidence("The risk of suicide was not assessed.", suicide) is None
    found = rule_evidence(
        "He was struck by a train near the station. It was late.", CATS.get("railway")
    )
    assert found == "He was struck by a train near the station."


def test_decide_flags():
    k = len(CATS.items)
    s = np.zeros(k)
    s[CATS.ids.index("suicide")] = 0.95
    assert (
        audit.decide(audit.AuditInput("a", ["mental_health"], "t", "2019-01-01"), s, CATS)[0]
        == "suicide_not_tagged"
    )
    assert audit.decide(audit.AuditInput("a", ["suicide"], "t", "2019-01-01"), s, CATS)[0] == "ok"
    assert (
        audit.decide(audit.AuditInput("a", ["mental_health"], "t", "2014-06-01"), s, CATS)[0]
        == "ok"
    )
    road = np.zeros(k)
    road[CATS.ids.index("road")] = 0.8
    assert audit.decide(audit.AuditInput("a", ["other"], "t"), road, CATS)[:2] == (
        "other_belongs_elsewhere",
        0.8,
    )
    assert audit.decide(audit.AuditInput("a", ["other", "road"], "t"), road, CATS)[0] == "ok"
    assert audit.decide(audit.AuditInput("a", [], "t"), road, CATS)[0] == "untagged"
    assert audit.decide(audit.AuditInput("a", [], ""), road, CATS)[0] == "no_text"


def test_run_flags_planted_reports(db, config):
    fill(db)
    figures = audit.run(db, config, progress=False)
    assert figures["reports"] == db["reports"].count
    rows = {r["report_id"]: r for r in db["category_audit"].rows}
    assert rows["planted-suicide"]["flag"] == "suicide_not_tagged"
    assert "conclusion of the inquest was suicide" in rows["planted-suicide"]["evidence"]
    assert rows["planted-old-suicide"]["flag"] == "ok"
    assert rows["planted-other-road"]["flag"] == "other_belongs_elsewhere"
    assert ROAD in json.loads(rows["planted-other-road"]["predicted"])
    assert rows["planted-untagged"]["flag"] == "untagged"
    assert rows["planted-no-text"]["flag"] == "no_text"
    assert rows["planted-no-text"]["source"] == "fallback"
    assert json.loads(rows["planted-no-text"]["site_categories"]) == [HOSPITAL]
    assert rows["planted-unsure"]["flag"] == "ok"
    assert rows["road-0"]["flag"] == "ok"
    assert rows["road-0"]["model_version"].startswith("audit-lr-")
    assert figures["suicide_not_tagged"] == 1
    assert figures["failed"] == 0


def test_unreadable_tags_are_recorded_once_and_counted(db, config):
    db["reports"].insert({"id": "bad", "url": "u", "categories": "[not json"})
    db["sections"].insert(
        {
            "report_id": "bad",
            "name": "circumstances",
            "source": "pdf",
            "text": "The conclusion of the inquest was suicide.",
        }
    )
    figures = audit.run(db, config, progress=False)
    assert figures["failed"] == 1 and figures["suicide_not_tagged"] == 1
    errors = list(db.query("SELECT stage, kind FROM errors WHERE report_id = 'bad'"))
    assert errors == [{"stage": "classify", "kind": "categories"}]


def test_classifier_scores_out_of_fold(db):
    fill(db)
    inputs = audit.read_audit_inputs(db, CATS)
    scores = audit.model_scores(inputs, CATS)
    by_id = {a.report_id: i for i, a in enumerate(inputs)}
    road, custody = CATS.ids.index("road"), CATS.ids.index("state_custody")
    assert scores[by_id["road-3"], road] > 0.5 > scores[by_id["road-3"], custody]
    assert scores[by_id["planted-untagged"]].argmax() == custody
    assert not scores[:, CATS.ids.index("wales")].any()  # never predicted from text


def test_small_store_uses_rules_only_and_reruns_identically(db, config):
    fill(db, per_kind=3)
    audit.run(db, config, progress=False)
    first = sorted(tuple(r.values()) for r in db["category_audit"].rows)
    assert all(r[6].startswith("audit-rules-") for r in first)
    audit.run(db, config, progress=False)
    assert sorted(tuple(r.values()) for r in db["category_audit"].rows) == first
