"""Benchmark themes, topics and the category audit on the shared labelled data.

    .venv/bin/python bench/themes.py [--folds 5] [--repeats 3] [--speed-reports 6000]
        [--skip-speed|--only-speed]
        [--skip-previous]

1. Themes: per-theme and macro F1, 5-fold cross-validated by report on the PFD-toolkit files
   mapped in nlp/data/theme_seeds_labelled.yml, for the trained model, the default model
   (shipped seeds and examples only, no labelled data) and the keyword-only baseline. Each
   fold's model chooses its C, stackers and thresholds by an inner cross-validation over the
   training reports only; the held-out fold is scored once. Context themes read the
   deceased's age from the opening of the investigation section ("... aged 16"), as the
   classify stage does.
   Mapping change: three themes now take in columns of the labelled files that their
   definitions cover (vehicle design and modification for equipment_products, specialist
   services missing for access_to_services, safety plans out of reach for risk_assessment;
   the reasons are in nlp/data/theme_seeds_labelled.yml). The table is followed by the macro
   under the previous mapping (PREVIOUS_RULES), cross-validated again with those labels.
2. Topics: the same seed gives the same topics; the topics least covered by the themes.
3. Audit: precision of `suicide_not_tagged` on the hand-checked sample in
   bench/samples/audit_suicide_sample.csv (reports named by sample_keys.report_key, a hash of
   the URL slug, with our own labels and notes); the suicide rules against clinicians' consensus
   labels; the share of suicides the site tags Suicide.
4. Speed: the classify tasks (themes, topics, audit) on a store of 6,000 resampled reports.
Needs ../shared/data; says so and exits 0 when it is absent. Prints tables. Not a test.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sample_keys import report_key  # noqa: E402
from themes_data import SHARED, audit_reports, read_csv, store_from, synthetic_store  # noqa: E402

from nlp import audit, themes, topics  # noqa: E402
from nlp.concern_text import split_items  # noqa: E402
from nlp.taxonomy import load_taxonomy  # noqa: E402
from nlp.theme_fit import fit_theme_model  # noqa: E402
from nlp.theme_labels import LABEL_MAP_FILE, LabelledReport, load_labelled, url_key  # noqa: E402
from nlp.theme_score import ReportText, keyword_scores, score_reports  # noqa: E402
from nlp.theme_train import (  # noqa: E402
    SEED,
    Corpus,
    age_note,
    background_text,
    build_training_set,
    train_themes,
)
from tracker.config import load_config  # noqa: E402

SAMPLE = ROOT / "bench" / "samples" / "audit_suicide_sample.csv"
MIN_POSITIVES = 20
# The rules the column review replaced, for the line comparing the two mappings.
PREVIOUS_RULES = {
    "pfdtoolkit_road_traffic_themes.csv": {"equipment_products": {"any": ["vehicle_technology"]}},
    "pfdtoolkit_safety_planning_themes.csv": {
        "risk_assessment": {"any": ["acct_completion", "acct_reviews", "safety_plan_changes"]}
    },
    "pfdtoolkit_child_suicide_annotation_set.csv": {
        "access_to_services": {"any": ["as_delays_waiting", "as_referral_rejected"]}
    },
}


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    """Return F1 of binary predictions."""
    tp = float(np.sum((pred == 1) & (y == 1)))
    denom = float(pred.sum() + y.sum())
    return 2 * tp / denom if denom else 0.0


def report_text(g: LabelledReport) -> ReportText:
    """Turn a labelled report into what the classify stage scores."""
    return ReportText(
        g.key,
        [(None, i) for i in split_items(g.concerns)],
        g.concerns,
        g.circumstances,
        age_note(g.investigation),
    )


def weak_corpus(exclude: set[str]) -> Corpus:
    """Concern items and circumstances (with the stated age) of the main scrape, minus the
    labelled reports."""
    items, contexts = [], []
    for row in read_csv("pfd_reports.csv"):
        if url_key(row["report_url"]) in exclude:
            continue
        items.extend(split_items(row["concerns"]))
        if row["circumstances"].strip():
            contexts.append(background_text(row["circumstances"], age_note(row["inquest"])))
    return Corpus(items, contexts)


def fit(data, tax, seed: int):
    """Fit the theme model as `pdt train themes` does."""
    return fit_theme_model(
        data,
        tax.ids,
        [t.context for t in tax.themes],
        seeds={t: p.pattern for t, p in tax.combined.items()},
        seed=seed,
    )


def cross_validate(
    gold, corpus, tax, folds: int, seed: int, fold_seed: int | None = None
) -> np.ndarray:
    """Return out-of-fold report scores of the trained model (folds by report).

    `fold_seed` (default: `seed`) deals the reports into folds; `seed` is the model's.
    """
    rng = np.random.default_rng(seed if fold_seed is None else fold_seed)
    fold_of = rng.permutation(len(gold)) % folds
    texts = [report_text(g) for g in gold]
    scores = np.zeros((len(gold), len(tax.ids)))
    for k in range(folds):
        train = [g for g, f in zip(gold, fold_of, strict=True) if f != k]
        test = np.flatnonzero(fold_of == k)
        model = fit(build_training_set(tax, corpus, train), tax, seed)
        for i, s in zip(test, score_reports(model, tax, [texts[i] for i in test]), strict=True):
            scores[i] = s.report
    return scores


def previous_mapping(tmp: Path) -> Path:
    """Write the label map as it was before the column review (PREVIOUS_RULES); return it."""
    spec = yaml.safe_load(LABEL_MAP_FILE.read_text(encoding="utf-8"))
    for entry in spec["files"]:
        for theme_id, rule in PREVIOUS_RULES.get(entry["name"], {}).items():
            entry["themes"][theme_id] = rule
    path = tmp / "theme_seeds_labelled_previous.yml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def macro_f1(gold, scores: np.ndarray, tax) -> float:
    """Return the macro F1 of report scores over themes with >= MIN_POSITIVES positives."""
    values = []
    for j, tid in enumerate(tax.ids):
        idx = [i for i, g in enumerate(gold) if tid in g.labels]
        y = np.array([gold[i].labels[tid] for i in idx], dtype=int)
        if y.sum() >= MIN_POSITIVES:
            values.append(f1(y, (scores[idx, j] >= 0.5).astype(int)))
    return float(np.mean(values))


def deal_macros(gold, corpus, tax, folds: int, deals: range) -> list[float]:
    """Return the cross-validated macro-F1 for each deal of the reports into folds
    (deal r uses fold seed SEED + r)."""
    return [
        macro_f1(gold, cross_validate(gold, corpus, tax, folds, SEED, SEED + r), tax) for r in deals
    ]


def listed(values: list[float]) -> str:
    """Return macro-F1 values, their mean and lowest, as the bench prints them."""
    each = ", ".join(f"{v:.3f}" for v in values)
    return f"macro-F1 {each}; mean {np.mean(values):.3f}, lowest {min(values):.3f}"


def previous_mapping_line(folds: int, tax, repeats: int) -> None:
    """Cross-validate again under the previous label mapping and print its macro F1."""
    with tempfile.TemporaryDirectory() as tmp:
        gold = load_labelled(SHARED, previous_mapping(Path(tmp)))
    corpus = weak_corpus({g.key for g in gold})
    values = deal_macros(gold, corpus, tax, folds, range(repeats))
    keywords = np.array([keyword_scores(tax, report_text(g)) for g in gold])
    print(
        f"previous mapping (before the column review): {listed(values)}; "
        f"keyword {macro_f1(gold, keywords, tax):.3f}"
    )


def repeated_line(gold, corpus, tax, folds: int, repeats: int, first: float) -> None:
    """Cross-validate again with other deals of the reports into folds; print each macro-F1.

    With a few dozen positives per theme, which fold a report falls in moves the macro by
    about 0.005 either way: the mean over several deals is the steadier figure.
    """
    values = [first] + deal_macros(gold, corpus, tax, folds, range(1, repeats))
    print(
        f"repeated CV, {repeats} deals into {folds} folds (fold seeds {SEED}..{SEED + repeats - 1})"
        f": {listed(values)}"
    )


def theme_table(folds: int, previous: bool = True, repeats: int = 1) -> None:
    """Print per-theme and macro F1: trained model, default model, keywords."""
    tax = load_taxonomy()
    gold = load_labelled(SHARED)
    corpus = weak_corpus({g.key for g in gold})
    t0 = time.time()
    cv = cross_validate(gold, corpus, tax, folds, SEED)
    cv_time = time.time() - t0
    default = fit(build_training_set(tax, corpus, []), tax, SEED)
    texts = [report_text(g) for g in gold]
    seed_only = np.array([s.report for s in score_reports(default, tax, texts)])
    keywords = np.array([keyword_scores(tax, t) for t in texts])
    print(
        f"\n## Themes: {len(gold)} labelled reports, {folds}-fold CV by report "
        f"({cv_time:.0f}s); weak corpus {len(corpus.items)} concern items"
    )
    print(f"{'theme':28s} {'n':>5s} {'pos':>5s} {'model':>7s} {'default':>8s} {'keyword':>8s}")
    macro = {"model": [], "default": [], "keyword": []}
    for j, tid in enumerate(tax.ids):
        idx = [i for i, g in enumerate(gold) if tid in g.labels]
        if not idx:
            continue
        y = np.array([gold[i].labels[tid] for i in idx], dtype=int)
        row = {
            "model": f1(y, (cv[idx, j] >= 0.5).astype(int)),
            "default": f1(y, (seed_only[idx, j] >= 0.5).astype(int)),
            "keyword": f1(y, keywords[idx, j].astype(int)),
        }
        counted = y.sum() >= MIN_POSITIVES
        for key in macro if counted else ():
            macro[key].append(row[key])
        mark = "" if counted else "  (fewer than 20 positives: not in the macro)"
        print(
            f"{tid:28s} {len(y):5d} {y.sum():5d} {row['model']:7.3f} {row['default']:8.3f} "
            f"{row['keyword']:8.3f}{mark}"
        )
    n = len(macro["model"])
    print(
        f"{'macro-F1 (' + str(n) + ' themes >= 20 pos)':34s} {np.mean(macro['model']):13.3f} "
        f"{np.mean(macro['default']):8.3f} {np.mean(macro['keyword']):8.3f}"
    )
    if repeats > 1:
        repeated_line(gold, corpus, tax, folds, repeats, float(np.mean(macro["model"])))
    if previous:
        previous_mapping_line(folds, tax, repeats)


def topic_table(db) -> None:
    """Run topics twice with the same seed; print whether they match, and the least-themed."""
    first = [dict(r) for r in db.query("SELECT * FROM topics ORDER BY id")]
    topics.run(db, load_config(tempfile.mkdtemp()), progress=False)
    second = [dict(r) for r in db.query("SELECT * FROM topics ORDER BY id")]
    docs = topics.read_docs(db)
    other = topics.fit_topics([d.text for d in docs], topics.n_topics(len(docs)), SEED + 1)
    same_other = [", ".join(t) for t in other.terms] == [r["top_terms"] for r in first]
    print(f"\n## Topics: {len(first)} topics over {len(docs)} concern items")
    print(
        f"same seed, second run identical: {first == second}; a different seed gives the "
        f"same terms: {same_other}"
    )
    print(f"{'id':>3s} {'size':>5s} {'unthemed':>8s} {'nearest theme':24s} top terms")
    for r in sorted(first, key=lambda r: -(r["unthemed_share"] or 0))[:8]:
        print(
            f"{r['id']:3d} {r['size']:5d} {r['unthemed_share'] or 0:8.2f} "
            f"{(r['nearest_theme'] or '-'):24s} {r['top_terms'][:70]}"
        )


def sample_precision(db) -> None:
    """Print the precision of suicide_not_tagged on the hand-checked sample."""
    with SAMPLE.open(encoding="utf-8") as handle:
        labels = {r["report"]: r["label"] for r in csv.DictReader(handle)}
    flagged = {
        report_key(r["report_id"])
        for r in db.query("SELECT report_id FROM category_audit WHERE flag = 'suicide_not_tagged'")
    }
    checked = [labels[k] for k in flagged if k in labels]
    yes = checked.count("suicide")
    print(
        f"\n## Audit: {len(flagged)} reports flagged suicide_not_tagged; {len(checked)} of them "
        f"hand-checked ({len(labels)} in the sample)"
    )
    if checked:
        print(
            f"precision (unclear counted wrong): {yes}/{len(checked)} = {yes / len(checked):.3f};"
            f" counting unclear as suicide: {(yes + checked.count('unclear')) / len(checked):.3f}"
        )


def consensus_check(db) -> None:
    """Compare the audit's suicide score with the clinicians' consensus labels (child set)."""
    sj = [c.id for c in audit.load_categories().items].index("suicide")
    cats = audit.load_categories()
    inputs = {a.report_id: a for a in audit.read_audit_inputs(db, cats)}
    rules = audit.rule_scores(list(inputs.values()), cats)
    by_id = dict(zip(inputs, rules[:, sj], strict=True))
    y, pred = [], []
    for row in read_csv("pfdtoolkit_child_suicide_consensus.csv"):
        votes = [row[f"{n}_suicide"] == "Yes" for n in ("dan", "arpan", "sahil")]
        key = url_key(row["url"])
        if key in by_id:
            y.append(int(sum(votes) >= 2 or row["consensus_child_suicide"] == "Yes"))
            pred.append(int(by_id[key] >= audit.FLAG_SUICIDE))
    y_arr, p_arr = np.array(y), np.array(pred)
    tp = int(((y_arr == 1) & (p_arr == 1)).sum())
    print(
        f"suicide rules vs clinicians' consensus ({len(y)} reports, {y_arr.sum()} suicides): "
        f"precision {tp / max(p_arr.sum(), 1):.3f}, recall {tp / max(y_arr.sum(), 1):.3f}"
    )


def tagged_share(db) -> None:
    """Print the share of known suicides that the site tags Suicide, by source of 'known'."""
    status = {url_key(r["URL"]): r for r in read_csv("pfd_reports_status_2025.csv") if r["URL"]}

    def share(keys: set[str]) -> str:
        rows = [
            status[k] for k in keys if k in status and status[k]["Date of report"][-4:] >= "2015"
        ]
        tagged = sum("Suicide" in r["Category"] for r in rows)
        return f"{tagged}/{len(rows)} = {tagged / max(len(rows), 1):.1%}"

    research = {k for k, r in status.items() if "Suicide" in r["Research tags"]}
    family = {url_key(r["url"]) for r in read_csv("pfdtoolkit_suicide_family_themes.csv")}
    print("share of suicides (reports from 2015) tagged 'Suicide (from 2015)' on the site:")
    print(f"  research tag 'Suicide' (human, tracker 2025): {share(research)}")
    print(f"  PFD-toolkit suicide/family collection (LLM-screened): {share(family)}")
    cats = audit.load_categories()
    inputs = audit.read_audit_inputs(db, cats)
    found = audit.rule_scores(inputs, cats)[:, cats.ids.index("suicide")] >= audit.FLAG_SUICIDE
    rows = [
        a
        for a, hit in zip(inputs, found, strict=True)
        if hit and (a.date or "") >= audit.SUICIDE_TAG_FROM
    ]
    tagged = sum("suicide" in a.site for a in rows)
    print(
        f"  the audit's suicide rules on the reports with text: {tagged}/{len(rows)} = "
        f"{tagged / max(len(rows), 1):.1%}"
    )


def store_run(models_dir: Path):
    """Build a store from the shared files, train on them, and run the three classify tasks."""
    reports = audit_reports()
    db = store_from(reports)
    config = load_config(models_dir.parent)
    train_themes(db, config, labelled_dir=SHARED)
    figures = {}
    for task in (themes, topics, audit):
        figures.update(
            {
                f"{task.__name__.split('.')[-1]}.{k}": v
                for k, v in task.run(db, config, progress=False).items()
            }
        )
    print(
        f"\n## Store from the shared files: {len(reports)} reports, "
        f"{sum(1 for r in reports.values() if r.sections)} with text"
    )
    for key, value in figures.items():
        print(f"  {key:34s} {value}")
    return db, reports


def speed(reports, n: int) -> None:
    """Time the themes, topics and audit tasks on n resampled reports (2 cores here)."""
    db = synthetic_store(list(reports.values()), n, SEED)
    config = load_config(Path(tempfile.mkdtemp()) / "data")
    t0 = time.time()
    themes.ensure_model(db, config, load_taxonomy())
    t_train = time.time() - t0
    times = {}
    for task in (themes, topics, audit):
        t = time.time()
        task.run(db, config, progress=False)
        times[task.__name__] = time.time() - t
    total = sum(times.values())
    n_items = db["concerns"].count
    print(f"\n## Speed: {n} reports, {n_items} concern items")
    print(f"  first-use default model training: {t_train:.1f}s (once per data dir)")
    for name, secs in times.items():
        print(f"  {name:14s} {secs:6.1f}s")
    print(
        f"  classify tasks total {total:.1f}s = {n / total:.0f} reports/s "
        f"({'under' if total < 120 else 'OVER'} 2 minutes)"
    )


def main() -> int:
    """Run every part of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--speed-reports", type=int, default=6000)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--only-speed", action="store_true")
    parser.add_argument(
        "--skip-previous", action="store_true", help="skip the CV under the previous mapping"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="deals of the reports into folds (macro of each)"
    )
    args = parser.parse_args()
    if not SHARED.is_dir():
        print("../shared/data is not present on this machine: nothing to benchmark.")
        return 0
    if args.only_speed:
        speed(audit_reports(), args.speed_reports)
        return 0
    theme_table(args.folds, previous=not args.skip_previous, repeats=args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        db, reports = store_run(Path(tmp) / "models")
        topic_table(db)
        sample_precision(db)
        consensus_check(db)
        tagged_share(db)
        if not args.skip_speed:
            speed(reports, args.speed_reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
