"""Discover topics in the concerns (NMF over TF-IDF, seeded) to find what the taxonomy misses.

Each topic gets its top terms, its most representative concerns, its size (concerns whose
strongest topic it is), the theme most often assigned to those concerns and the share left
with no theme at all: a large, unthemed topic is a gap in the taxonomy. The same concerns and
the same seed always give the same topics.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import sqlite_utils
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from nlp.concern_text import MIN_ITEM_CHARS, clean_text, split_items, strip_boilerplate
from tracker.config import Config

log = logging.getLogger(__name__)

SEED = 20240528
MAX_TOPICS = 30
DOCS_PER_TOPIC = 40
MIN_DOCS = 20
TOP_TERMS = 10
N_REPRESENTATIVE = 3
MIN_REPORT_WEIGHT = 0.1
# Words every concern uses: they would make every topic look alike.
DOMAIN_STOP_WORDS = frozenset(
    "concern concerns concerned coroner coroners inquest inquests evidence heard death deaths "
    "died deceased future risk matters matter mr mrs ms miss dr report reports action taken "
    "january february march april may june july august september october november december "
    "redacted did does told given time case cases family way need needs".split()
)


@dataclass(slots=True)
class Doc:
    """One concern item as the topic model sees it."""

    concern_id: str | None
    report_id: str
    text: str


@dataclass(slots=True)
class TopicModelResult:
    """Topics, each document's topic weights, and the version string that names them."""

    version: str
    terms: list[list[str]]
    doc_topic: np.ndarray  # rows sum to 1 (or 0 for a document with no known words)


def read_docs(db: sqlite_utils.Database) -> list[Doc]:
    """Read concern items (or split concerns sections when no items exist), in a stable order.

    The form's standard sentences are removed first; an item that was nothing else is dropped,
    or it would become a topic of its own.
    """
    rows = db.query(
        "SELECT id, report_id, text FROM concerns WHERE text IS NOT NULL "
        "ORDER BY report_id, position, id"
    )
    docs = [Doc(r["id"], r["report_id"], strip_boilerplate(clean_text(r["text"]))) for r in rows]
    docs = [d for d in docs if len(d.text) >= MIN_ITEM_CHARS]
    if docs:
        return docs
    rows = db.query(
        "SELECT report_id, text FROM sections WHERE name LIKE '%concern%' ORDER BY report_id, name"
    )
    return [Doc(None, r["report_id"], item) for r in rows for item in split_items(r["text"])]


def n_topics(n_docs: int, cap: int = MAX_TOPICS) -> int:
    """Choose the number of topics from the corpus size: about one per 40 concerns."""
    return max(2, min(cap, n_docs // DOCS_PER_TOPIC))


def corpus_digest(texts: list[str], k: int, seed: int) -> str:
    """Return a short hash of the corpus and settings, for the model version."""
    payload = json.dumps([texts, k, seed], ensure_ascii=False).encode("utf-8")
    return hashlib.sha1(payload).hexdigest()[:10]


def fit_topics(texts: list[str], k: int, seed: int = SEED) -> TopicModelResult:
    """Fit NMF topics over TF-IDF of the texts; deterministic for a seed."""
    vectorizer = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS),
        ngram_range=(1, 2),
        min_df=3 if len(texts) >= 200 else 1,
        max_df=0.5,
        max_features=20000,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",
    )
    x = vectorizer.fit_transform([clean_text(t) for t in texts])
    k = min(k, x.shape[1], x.shape[0])
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400, tol=1e-4)
    w = nmf.fit_transform(x)
    vocab = vectorizer.get_feature_names_out()
    terms = [[str(vocab[i]) for i in np.argsort(-row)[:TOP_TERMS]] for row in nmf.components_]
    sums = w.sum(axis=1, keepdims=True)
    doc_topic = np.divide(w, sums, out=np.zeros_like(w), where=sums > 0)
    return TopicModelResult(f"nmf-k{k}-s{seed}-{corpus_digest(texts, k, seed)}", terms, doc_topic)


def theme_coverage(
    db: sqlite_utils.Database, docs: list[Doc], dominant: np.ndarray, k: int
) -> list[tuple[str | None, float, float]]:
    """For each topic: its concerns' most frequent theme, that theme's share, the unthemed share."""
    themes_of: dict[str, set[str]] = defaultdict(set)
    for row in db.query("SELECT concern_id, theme_id FROM concern_themes"):
        themes_of[row["concern_id"]].add(row["theme_id"])
    out = []
    for topic in range(k):
        members = [d for d, t in zip(docs, dominant, strict=True) if t == topic and d.concern_id]
        if not members:
            out.append((None, 0.0, 0.0))
            continue
        counts = Counter(t for d in members for t in themes_of.get(d.concern_id, ()))
        unthemed = sum(1 for d in members if not themes_of.get(d.concern_id)) / len(members)
        best = counts.most_common(1)
        share = best[0][1] / len(members) if best else 0.0
        out.append((best[0][0] if best else None, round(share, 3), round(unthemed, 3)))
    return out


def representative(docs: list[Doc], doc_topic: np.ndarray, topic: int) -> list[dict]:
    """Return the concerns that load most heavily on a topic (ties broken by order)."""
    order = np.lexsort((np.arange(len(docs)), -doc_topic[:, topic]))[:N_REPRESENTATIVE]
    return [
        {
            "concern_id": docs[i].concern_id,
            "report_id": docs[i].report_id,
            "weight": round(float(doc_topic[i, topic]), 3),
            "text": docs[i].text[:300],
        }
        for i in order
        if doc_topic[i, topic] > 0
    ]


def topic_rows(db, docs: list[Doc], result: TopicModelResult) -> list[dict]:
    """Build the topics table rows (ids from 1)."""
    k = result.doc_topic.shape[1]
    has_words = result.doc_topic.sum(axis=1) > 0
    dominant = np.where(has_words, result.doc_topic.argmax(axis=1), -1)
    coverage = theme_coverage(db, docs, dominant, k)
    return [
        {
            "id": t + 1,
            "model_version": result.version,
            "top_terms": ", ".join(result.terms[t]),
            "representative": json.dumps(representative(docs, result.doc_topic, t)),
            "size": int((dominant == t).sum()),
            "nearest_theme": coverage[t][0],
            "theme_share": coverage[t][1],
            "unthemed_share": coverage[t][2],
        }
        for t in range(k)
    ]


def report_topic_rows(docs: list[Doc], result: TopicModelResult) -> list[dict]:
    """Average each report's concern weights; keep the topics that reach MIN_REPORT_WEIGHT."""
    by_report: dict[str, list[int]] = defaultdict(list)
    for i, doc in enumerate(docs):
        by_report[doc.report_id].append(i)
    rows = []
    for report_id, idx in by_report.items():
        weights = result.doc_topic[idx].mean(axis=0)
        for t in np.flatnonzero(weights >= MIN_REPORT_WEIGHT):
            rows.append(
                {
                    "report_id": report_id,
                    "topic_id": int(t) + 1,
                    "weight": round(float(weights[t]), 4),
                    "model_version": result.version,
                }
            )
    return rows


def run(db: sqlite_utils.Database, config: Config, progress: bool = True) -> dict[str, int]:
    """Fit topics over every concern and replace the topics and report_topics tables."""
    docs = read_docs(db)
    if len(docs) < MIN_DOCS:
        log.info("topics: %d concerns is too few for a topic model; skipped", len(docs))
        return {"topics": 0, "report_topics": 0, "concerns": len(docs)}
    result = fit_topics([d.text for d in docs], n_topics(len(docs)), SEED)
    topics = topic_rows(db, docs, result)
    links = report_topic_rows(docs, result)
    with db.conn:
        db.execute("DELETE FROM report_topics")
        db.execute("DELETE FROM topics")
        db["topics"].insert_all(topics)
        db["report_topics"].insert_all(links, batch_size=2000)
    return {"topics": len(topics), "report_topics": len(links), "concerns": len(docs)}
