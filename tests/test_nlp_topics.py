"""Topic discovery over concern items: seeded NMF, topics and report_topics tables."""

from __future__ import annotations

import json

import numpy as np

from nlp import topics

# Three kinds of concern, written for these tests, varied by place and detail.
PLACES = ["north", "south", "east", "west", "central", "upper", "lower", "outer", "inner", "old"]
TEMPLATES = [
    "The {p} junction has poor visibility, no pedestrian crossing and a speed limit too high "
    "for the bend on the carriageway.",
    "Nurses on the {p} ward did not record observations overnight and the early warning score "
    "was never escalated to a doctor.",
    "The pharmacy at the {p} practice dispensed the wrong dose and the prescription was not "
    "reviewed before the tablets were given.",
]


def fill(db, n_reports: int = 10) -> None:
    """Insert reports with one concern of each kind, plus a boilerplate-only item."""
    db["reports"].insert_all({"id": f"r{i}", "url": f"u{i}"} for i in range(n_reports))
    rows = []
    for i in range(n_reports):
        for k, template in enumerate(TEMPLATES):
            rows.append(
                {
                    "id": f"c{i}-{k}",
                    "report_id": f"r{i}",
                    "position": k,
                    "text": template.format(p=PLACES[i % len(PLACES)]),
                }
            )
        rows.append(
            {
                "id": f"c{i}-x",
                "report_id": f"r{i}",
                "position": 9,
                "text": "The MATTERS OF CONCERN are as follows:",
            }
        )
    db["concerns"].insert_all(rows)
    db["themes"].insert({"id": "roads_highways", "label": "Roads"})
    db["concern_themes"].insert_all(
        {"concern_id": f"c{i}-0", "theme_id": "roads_highways", "score": 0.9}
        for i in range(n_reports)
    )


def test_number_of_topics_follows_corpus_size():
    assert topics.n_topics(10) == 2
    assert topics.n_topics(400) == 10
    assert topics.n_topics(100000) == topics.MAX_TOPICS


def test_read_docs_drops_boilerplate_items(db):
    fill(db)
    docs = topics.read_docs(db)
    assert len(docs) == 30
    assert not any("MATTERS OF CONCERN" in d.text for d in docs)


def test_fit_is_reproducible_for_a_seed():
    texts = [t.format(p=p) for p in PLACES for t in TEMPLATES]
    first = topics.fit_topics(texts, 3, seed=5)
    second = topics.fit_topics(texts, 3, seed=5)
    assert first.version == second.version and first.terms == second.terms
    assert np.array_equal(first.doc_topic, second.doc_topic)
    assert first.version != topics.fit_topics(texts, 3, seed=6).version


def test_fit_separates_the_three_kinds():
    texts = [t.format(p=p) for p in PLACES for t in TEMPLATES]
    result = topics.fit_topics(texts, 3, seed=1)
    dominant = result.doc_topic.argmax(axis=1).reshape(len(PLACES), 3)
    # every place's concern of a kind lands in the same topic, and the kinds differ
    assert all(len(set(dominant[:, k])) == 1 for k in range(3))
    assert len(set(dominant[0])) == 3


def test_run_writes_topics_reports_and_coverage(db, config, monkeypatch):
    monkeypatch.setattr(topics, "DOCS_PER_TOPIC", 10)
    fill(db)
    figures = topics.run(db, config, progress=False)
    assert figures == {"topics": 3, "report_topics": db["report_topics"].count, "concerns": 30}
    rows = list(db.query("SELECT * FROM topics ORDER BY id"))
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert sum(r["size"] for r in rows) == 30
    road = next(r for r in rows if "junction" in r["top_terms"])
    assert road["nearest_theme"] == "roads_highways" and road["theme_share"] == 1.0
    assert road["unthemed_share"] == 0.0
    others = [r for r in rows if r is not road]
    assert all(r["unthemed_share"] == 1.0 and r["nearest_theme"] is None for r in others)
    rep = json.loads(road["representative"])
    assert len(rep) == topics.N_REPRESENTATIVE and rep[0]["concern_id"].endswith("-0")
    per_report = list(
        db.query("SELECT report_id, sum(weight) AS w FROM report_topics GROUP BY report_id")
    )
    assert len(per_report) == 10 and all(0.9 <= r["w"] <= 1.0001 for r in per_report)


def test_run_twice_gives_identical_tables(db, config, monkeypatch):
    monkeypatch.setattr(topics, "DOCS_PER_TOPIC", 10)
    fill(db)
    topics.run(db, config, progress=False)
    first = [
        list(db.query(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in ("topics", "report_topics")
    ]
    topics.run(db, config, progress=False)
    second = [
        list(db.query(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in ("topics", "report_topics")
    ]
    assert first == second


def test_too_few_concerns_are_skipped(db, config):
    fill(db, n_reports=2)
    assert topics.run(db, config, progress=False) == {
        "topics": 0,
        "report_topics": 0,
        "concerns": 6,
    }
    assert db["topics"].count == 0
