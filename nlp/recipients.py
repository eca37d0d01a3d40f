"""The recipients task: one row per recipient of each report, matched to the register.

Recipients come from the report page ("This report is being sent to"); when the page has none
or says "Various recipients - please see the report", from the report PDF's sent-to section
(report_facts.recipients_from_pdf, else sections.sent_to). Each is split into person, role and
organisation (nlp.recipient_split), matched and typed (nlp.organisations, with the coroner
area to tell apart bodies sharing an abbreviation), and given its due date: the date of the
report plus 56 days. A report's rows are replaced only when they change.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import spacy
import sqlite_utils
from rich.progress import track
from spacy.matcher import PhraseMatcher

from nlp.organisations import OrgMatcher, matcher_for
from nlp.orgnames import core_key, normalise
from nlp.recipient_split import RecipientText, split_recipients
from tracker.config import Config
from tracker.db import add_error_once
from tracker.models import ErrorRow, stable_id
from tracker.status import statutory_due

log = logging.getLogger(__name__)

MODEL = "recipients-rules-1"
PLACE_TYPES = frozenset({"nhs_trust", "ccg", "icb", "health_board", "police", "fire_service"})
NOT_PLACES = frozenset(
    """nhs foundation trust university hospital hospitals teaching health care mental community
    partnership integrated board clinical commissioning group police constabulary service services
    ambulance healthcare royal general the of and for children's childrens women's womens nhs
    specialist district county city council hospitals care group""".split()
)
EXTRA_PHRASES = (
    "health and social care",
    "health and care",
    "health and safety",
    "work and pensions",
    "children and families",
    "children and young people",
    "education and skills",
    "police and crime commissioner",
    "fire and rescue",
    "food and rural affairs",
    "culture, media and sport",
    "learning disabilities and autism",
    "mental health and learning disabilities",
    "maternity and neonatal",
    "accident and emergency",
    "mr and mrs",
    "trading standards",
)


@dataclass(slots=True)
class Splitter:
    """Everything split_recipients needs from the register, built once."""

    matcher: OrgMatcher
    nlp: spacy.language.Language
    phrases: PhraseMatcher
    places: frozenset[str]

    def protect(self, text: str) -> list[tuple[int, int]]:
        """Return the character spans of register names found in text."""
        doc = self.nlp.make_doc(text)
        return [(doc[s:e].start_char, doc[s:e].end_char) for _, s, e in self.phrases(doc)]

    def known(self, text: str) -> bool:
        """Tell whether text is a register name, alias or core name."""
        return known_key(self.matcher, normalise(text))

    def score(self, text: str) -> float:
        """Return how well text matches one register body (0 when only typed by a rule)."""
        found = self.matcher.match(text)
        return found.score if found.organisation_id else 0.0


def known_key(matcher: OrgMatcher, key: str) -> bool:
    """Tell whether a normalised name is in the register's names, aliases or cores."""
    if not key:
        return False
    return (
        key in matcher.names
        or key in matcher.aliases
        or (" " in core_key(key) and core_key(key) in matcher.cores)
    )


def protected_phrases(matcher: OrgMatcher) -> set[str]:
    """Return the phrases never to cut: names, aliases, stems and the pairs inside them."""
    names = [o.name for o in matcher.orgs.values()] + [a.alias for a in matcher.register.aliases]
    phrases = set(EXTRA_PHRASES)
    for name in names:
        if " and " in name or ", " in name or " & " in name:
            phrases.add(name)
            words = re.findall(r"[\w'’-]+|&|,", name)
            for i, word in enumerate(words[1:-1], start=1):
                if word in ("and", "&", ","):
                    phrases.add(f"{words[i - 1]}{'' if word == ',' else ' '}{word} {words[i + 1]}")
    return phrases


def place_words(matcher: OrgMatcher) -> frozenset[str]:
    """Return the place names inside NHS, police and fire bodies' names ("Tees", "Esk")."""
    words = set()
    for org in matcher.orgs.values():
        if org.org_type in PLACE_TYPES:
            words.update(w.lower() for w in re.findall(r"[A-Z][\w'’-]+", org.name))
    for alias in matcher.register.aliases:
        if alias.kind in ("site", "former_name"):
            words.update(w.lower() for w in re.findall(r"[A-Z][\w'’-]+", alias.alias))
    return frozenset(words - NOT_PLACES)


@lru_cache(maxsize=4)
def build_splitter(matcher: OrgMatcher) -> Splitter:
    """Build the spaCy phrase matcher over the register (spacy.blank: no model download)."""
    nlp = spacy.blank("en")
    phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    phrases.add("ORG", [nlp.make_doc(p) for p in sorted(protected_phrases(matcher))])
    return Splitter(matcher, nlp, phrases, place_words(matcher))


def split_text(splitter: Splitter, text: str) -> list[RecipientText]:
    """Split one recipient field with the register's protection."""
    return split_recipients(text, splitter.protect, splitter.known, splitter.places, splitter.score)


def due_date(date_of_report: str | None) -> str | None:
    """Return the ISO date 56 days after the date of the report, or None."""
    try:
        return statutory_due(date.fromisoformat(date_of_report or "")).isoformat()
    except ValueError:
        return None


def recipient_row(
    report: dict, position: int, text: RecipientText, splitter: Splitter, source: str
) -> dict:
    """Match one recipient and build its row."""
    on_date = report.get("date_of_report")
    subject = text.org_text or text.person or text.role or text.raw
    found = splitter.matcher.match(subject, on_date, report.get("coroner_area"))
    if not text.org_text and text.person:
        found = splitter.matcher.type_by_pattern(text.person)
    return {
        "id": stable_id(report["id"], str(position)),
        "report_id": report["id"],
        "position": position,
        "raw": text.raw,
        "person": text.person,
        "role": text.role,
        "org_text": text.org_text,
        "organisation_id": found.organisation_id,
        "organisation_name": found.organisation_name,
        "org_type": found.org_type,
        "nhs_trust_subtype": found.nhs_trust_subtype,
        "ods_code": found.ods_code,
        "match_method": found.method,
        "match_score": found.score,
        "matched_on": found.matched_on,
        "source": source,
        "due_date": due_date(on_date),
        "model_version": f"{MODEL}+{splitter.matcher.register.version()}",
    }


def pdf_recipients(db: sqlite_utils.Database, splitter: Splitter, report_id: str) -> list:
    """Split the PDF's sent-to text: report_facts (one recipient a line), else the section."""
    row = db.execute(
        "SELECT recipients_from_pdf FROM report_facts WHERE report_id = ?", [report_id]
    ).fetchone()
    if row and row[0] and row[0].strip():
        return [r for line in row[0].splitlines() for r in split_text(splitter, line)]
    row = db.execute(
        "SELECT text FROM sections WHERE report_id = ? AND name = 'sent_to'", [report_id]
    ).fetchone()
    return split_text(splitter, row[0]) if row and row[0] else []


def report_rows(db: sqlite_utils.Database, report: dict, splitter: Splitter) -> list[dict]:
    """Build every recipient row of one report, from the page or else from the PDF."""
    source = "import" if report.get("source") == "import" else "html"
    texts = split_text(splitter, report.get("recipients_raw") or "")
    if not texts:
        texts, source = pdf_recipients(db, splitter, report["id"]), "pdf"
    return [recipient_row(report, i, t, splitter, source) for i, t in enumerate(texts, start=1)]


def replace_rows(db: sqlite_utils.Database, report_id: str, rows: list[dict]) -> str:
    """Store a report's rows unless identical to those stored; return the outcome."""
    old = list(
        db.query("SELECT * FROM recipients WHERE report_id = ? ORDER BY position", [report_id])
    )
    if old == rows:
        return "unchanged"
    with db.conn:
        db.execute("DELETE FROM recipients WHERE report_id = ?", [report_id])
        if rows:
            db["recipients"].insert_all(rows, pk="id")
    return "new" if not old else "updated"


def run(db: sqlite_utils.Database, config: Config, progress: bool = True) -> dict[str, int]:
    """Split, match and type the recipients of every report; return the stage's figures."""
    splitter = build_splitter(matcher_for(config))
    counts = {
        "new": 0,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "no_recipients": 0,
        "recipients": 0,
    }
    reports = list(
        db.query(
            "SELECT id, url, recipients_raw, date_of_report, coroner_area, source FROM reports"
        )
    )
    for report in track(reports, description="recipients", disable=not progress):
        try:
            rows = report_rows(db, report, splitter)
        except Exception as exc:  # noqa: BLE001 - one bad report must not stop the stage
            log.exception("recipients failed for %s", report["id"])
            add_error_once(
                db,
                ErrorRow(
                    "classify", f"recipients: {exc}", report["url"], report["id"], kind="recipients"
                ),
            )
            counts["failed"] += 1
            continue
        if not rows:
            counts["no_recipients"] += 1
            add_error_once(
                db,
                ErrorRow(
                    "classify",
                    "no recipients on the page or in the PDF",
                    report["url"],
                    report["id"],
                    kind="no_recipients",
                ),
            )
        counts[replace_rows(db, report["id"], rows)] += 1
        counts["recipients"] += len(rows)
    return counts
