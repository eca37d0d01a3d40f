"""Build the store bench/serve.py measures: the shared corpus, plus stand-ins for missing stages.

The corpus goes through the real commands (`pdt import`, `pdt classify`, `pdt analyse`). Where a
stage is not built yet its tables stay empty, and the canned queries over them would be timed on
nothing; so, unless told not to, this fills them with seeded stand-in rows (recipients drawn from
the organisation register, responses matched to the response documents, letter texts made of
report sections, themes) and clones reports up to the size of the live site. Everything it
makes up is counted and printed as SYNTHETIC.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlite_utils

REPO = Path(__file__).resolve().parents[1]
PDT = [sys.executable, str(REPO / "pipeline.py")]
SEED = 20240630


def run_pdt(data_dir: Path, *args: str) -> str:
    """Run one `pdt` command against the bench store; return a line saying how it went."""
    cmd = [*PDT, "-q", "--data-dir", str(data_dir), *args]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    took = f"{time.monotonic() - started:.0f} s"
    if done.returncode != 0:
        return f"pdt {args[0]}: FAILED after {took}: {(done.stderr or done.stdout).strip()[-300:]}"
    skipped = [line.split(": ")[-1] for line in done.stderr.splitlines() if "not built" in line]
    return f"pdt {args[0]}: ok in {took}" + (f" ({'; '.join(skipped)})" if skipped else "")


def clone_reports(db: sqlite_utils.Database, target: int) -> int:
    """Copy reports (with their sections and documents) until there are `target`; return added."""
    ids = [r["id"] for r in db.query("SELECT id FROM reports ORDER BY id")]
    missing = target - len(ids)
    with db.conn:
        for n in range(max(missing, 0)):
            source, copy = ids[n % len(ids)], n // len(ids) + 1
            _clone_report(db, source, f"{source}--copy{copy}", copy)
    return max(missing, 0)


def _clone_report(db: sqlite_utils.Database, source: str, new_id: str, copy: int) -> None:
    row = db["reports"].get(source)
    row.update(id=new_id, url=f"{row['url']}?copy={copy}", ref=None)
    db["reports"].insert(row)
    for section in db.query("SELECT * FROM sections WHERE report_id = ?", [source]):
        db["sections"].insert({**section, "report_id": new_id})
    for doc in db.query("SELECT * FROM documents WHERE report_id = ?", [source]):
        db["documents"].insert(
            {
                **doc,
                "id": f"{doc['id']}--copy{copy}",
                "report_id": new_id,
                "url": f"{doc['url']}?copy={copy}",
            }
        )


def fill_recipients(db: sqlite_utils.Database, rng: random.Random) -> int:
    """Give each report 1-5 recipients from the register, matched to its response documents."""
    orgs = list(db.query("SELECT id, name, org_type, nhs_trust_subtype FROM organisations"))
    trusts = [o for o in orgs if o["nhs_trust_subtype"]]
    if not orgs or not trusts:
        return 0
    added = 0
    reports = db.query("SELECT id, date_of_report FROM reports")
    with db.conn:
        for report in list(reports):
            count = rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])
            for position in range(1, count + 1):
                org = rng.choice(trusts) if rng.random() < 0.55 else rng.choice(orgs)
                db["recipients"].insert(_recipient(report, position, org))
            _match_responses(db, report["id"], count)
            added += count
    return added


def _recipient(report: dict, position: int, org: dict) -> dict:
    due = None
    if report["date_of_report"]:
        due = (date.fromisoformat(report["date_of_report"]) + timedelta(days=56)).isoformat()
    return {
        "id": f"{report['id']}#{position}",
        "report_id": report["id"],
        "position": position,
        "raw": org["name"],
        "org_text": org["name"],
        "organisation_id": org["id"],
        "organisation_name": org["name"],
        "org_type": org["org_type"],
        "nhs_trust_subtype": org["nhs_trust_subtype"],
        "match_method": "synthetic",
        "match_score": 1.0,
        "source": "synthetic",
        "due_date": due,
        "model_version": "bench",
    }


def _match_responses(db: sqlite_utils.Database, report_id: str, recipients: int) -> None:
    docs = [
        r["id"]
        for r in db.query(
            "SELECT id FROM documents WHERE report_id = ? AND kind = 'response' ORDER BY position",
            [report_id],
        )
    ]
    for position, doc in enumerate(docs[:recipients], start=1):
        db["responses"].insert(
            {
                "document_id": doc,
                "recipient_id": f"{report_id}#{position}",
                "report_id": report_id,
                "method": "synthetic",
                "score": 1.0,
                "model_version": "bench",
            },
            replace=True,
        )


def fill_response_texts(db: sqlite_utils.Database, rng: random.Random) -> int:
    """Give each response document a letter made of report sections (for the full-text index)."""
    texts = [r["text"] for r in db.query("SELECT text FROM sections WHERE length(text) > 200")]
    if not texts:
        return 0
    docs = list(
        db.query(
            "SELECT d.id, d.report_id, rep.date_of_report FROM documents d "
            "JOIN reports rep ON rep.id = d.report_id WHERE d.kind = 'response'"
        )
    )
    with db.conn:
        for doc in docs:
            dated = doc["date_of_report"] and (
                date.fromisoformat(doc["date_of_report"]) + timedelta(days=rng.randint(20, 150))
            )
            db["response_details"].insert(
                {
                    "document_id": doc["id"],
                    "report_id": doc["report_id"],
                    "response_date": dated.isoformat() if dated else None,
                    "organisation": "Synthetic responder",
                    "source": "synthetic",
                    "text": "\n\n".join(rng.sample(texts, k=min(3, len(texts)))),
                    "model_version": "bench",
                },
                replace=True,
            )
    return len(docs)


def fill_themes(db: sqlite_utils.Database, rng: random.Random) -> int:
    """Create 40 themes and give each report one to three; audit a share of categories."""
    with db.conn:
        db["themes"].insert_all(
            {"id": f"theme_{n:02d}", "label": f"Theme {n:02d}"} for n in range(1, 41)
        )
        report_ids = [r["id"] for r in db.query("SELECT id FROM reports")]
        rows = [
            {
                "report_id": rid,
                "theme_id": f"theme_{t:02d}",
                "score": 0.8,
                "n_concerns": 1,
                "source": "synthetic",
                "model_version": "bench",
            }
            for rid in report_ids
            for t in rng.sample(range(1, 41), k=rng.randint(1, 3))
        ]
        db["report_themes"].insert_all(rows, batch_size=1000)
        db["category_audit"].insert_all(
            (
                {
                    "report_id": rid,
                    "flag": rng.choice(["ok", "ok", "missing_tag", "other"]),
                    "site_categories": "[]",
                    "predicted": "[]",
                    "score": 0.5,
                    "source": "synthetic",
                }
                for rid in report_ids
            ),
            batch_size=1000,
        )
    return len(rows)


def build_store(data_dir: Path, corpus: Path, as_of: str, fill: bool, scale_to: int) -> list[str]:
    """Build the bench store; return the lines that say what was real and what synthetic."""
    notes = [run_pdt(data_dir, "import", str(corpus)), run_pdt(data_dir, "classify")]
    db = sqlite_utils.Database(data_dir / "pdt.db")
    rng = random.Random(SEED)
    if fill:
        steps = [
            ("reports cloned to reach the live site's size", lambda: clone_reports(db, scale_to)),
            ("recipients", lambda: _if_empty(db, "recipients", fill_recipients, rng)),
            (
                "response letter texts",
                lambda: _if_empty(db, "response_details", fill_response_texts, rng),
            ),
            ("report themes", lambda: _if_empty(db, "themes", fill_themes, rng)),
        ]
        for label, step in steps:
            started = time.monotonic()
            added = step()
            if added:
                took = time.monotonic() - started
                notes.append(f"SYNTHETIC: {added:,} {label} ({took:.0f} s)")
    notes.append(run_pdt(data_dir, "analyse", "--as-of", as_of))
    db.close()
    return notes


def _if_empty(db: sqlite_utils.Database, table: str, fill, rng: random.Random) -> int:
    """Run a filler only when a stage left its table empty."""
    return 0 if db[table].count else fill(db, rng)
