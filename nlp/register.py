"""The organisation register: curated CSV files in nlp/data, loaded into the store.

The shipped files serve offline. `pdt orgs refresh` writes an overlay of NHS rows fetched from
the NHS ODS API into ``<data dir>/register/``; when present it wins over the shipped rows with
the same id, so a refresh never edits the files that ship with the code.

org_type values (see organisation_types.csv): nhs_trust, health_board, icb, ccg,
national_body, regulator, government_department, royal_college, professional_body, police,
fire_service, prison, local_authority, care_home, gp_practice, company, housing, charity,
university, school, individual, other, unknown.
nhs_trust_subtype values: acute, specialist, mental_health, mental_health_and_community,
community, ambulance. They follow NHS England's 2024 trust-type list, except that specialist is
kept for trusts that serve one specialty or client group (children's, women's, cancer, heart
and chest, orthopaedic, eye, neurology), which that list types acute.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import sqlite_utils

from tracker.models import NHS_TRUST_SUBTYPES as SUBTYPES

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
ALIASES_FILE = "organisation_aliases.csv"
TYPES_FILE = "organisation_types.csv"
RELATIONS_FILE = "organisation_relations.csv"
TYPE_PREFIX = "type:"
OVERLAY_ORGS = "organisations_refreshed.csv"
OVERLAY_ALIASES = "organisation_aliases_refreshed.csv"


@dataclass(slots=True)
class Organisation:
    """One body in the register, with its type and its place in a chain of mergers."""

    id: str
    name: str
    org_type: str
    nhs_trust_subtype: str | None = None
    ods_code: str | None = None
    region: str | None = None
    country: str | None = None
    successor_id: str | None = None
    merged_on: str | None = None
    opened_on: str | None = None
    closed_on: str | None = None
    source: str = "curated"

    def to_row(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Alias:
    """Another name for a register body: abbreviation, former name, hospital site or role."""

    alias: str
    organisation_id: str
    kind: str


@dataclass(slots=True)
class Relation:
    """A body that answers for another: a group for its hospital, HMPPS for every prison.

    child_id is a register id, or "type:<org_type>" for every body of that type; kind is
    part_of, managed_by, operated_by or brand_of; the dates bound when it held (ISO, optional).
    """

    child_id: str
    parent_id: str
    kind: str
    valid_from: str | None = None
    valid_to: str | None = None

    def holds_on(self, on_date: str | None) -> bool:
        """Tell whether the relation held on a date (always true without a date)."""
        return not on_date or (self.valid_from or "0000") <= on_date <= (self.valid_to or "9999")


@dataclass(slots=True)
class Register:
    """Every organisation by id, every alias, and which bodies answer for which."""

    organisations: dict[str, Organisation]
    aliases: list[Alias]
    digest: str | None = None
    relations: list[Relation] = field(default_factory=list)

    def parents(self, org_id: str, on_date: str | None = None) -> set[str]:
        """Return the bodies that answer for org_id on a date (its own and its type's)."""
        org = self.organisations.get(org_id)
        keys = {org_id, f"{TYPE_PREFIX}{org.org_type}"} if org else {org_id}
        return {r.parent_id for r in self.relations if r.child_id in keys and r.holds_on(on_date)}

    def type_parents(self) -> dict[str, str]:
        """Return the bodies that answer for every body of a type, with that type (HMPPS)."""
        return {
            r.parent_id: r.child_id.removeprefix(TYPE_PREFIX)
            for r in self.relations
            if r.child_id.startswith(TYPE_PREFIX)
        }

    def version(self) -> str:
        """Return a short hash of the register's content, for model versions (computed once)."""
        if self.digest is None:
            self.digest = self.compute_version()
        return self.digest

    def compute_version(self) -> str:
        """Hash every organisation and alias."""
        digest = hashlib.sha1()
        for org_id in sorted(self.organisations):
            digest.update(repr(self.organisations[org_id].to_row()).encode())
        for alias in sorted(self.aliases, key=lambda a: (a.alias, a.organisation_id)):
            digest.update(f"{alias.alias}\x1f{alias.organisation_id}\x1f{alias.kind}".encode())
        for relation in self.relations:
            digest.update(repr(asdict(relation)).encode())
        return digest.hexdigest()[:10]


ORG_FIELDS = tuple(f.name for f in fields(Organisation))


def parse_organisation(row: dict[str, str]) -> Organisation:
    """Build an Organisation from a CSV row; empty cells become None."""
    values = {k: (row.get(k) or "").strip() or None for k in ORG_FIELDS}
    values["source"] = values["source"] or "curated"
    return Organisation(**values)


def read_organisations(path: Path) -> list[Organisation]:
    """Read one organisations CSV file."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [parse_organisation(row) for row in csv.DictReader(handle)]


def read_aliases(path: Path) -> list[Alias]:
    """Read one aliases CSV file."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Alias(r["alias"].strip(), r["organisation_id"].strip(), r["kind"].strip())
            for r in csv.DictReader(handle)
            if r["alias"].strip()
        ]


def read_relations(path: Path) -> list[Relation]:
    """Read the relations file (absent: no relations)."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Relation(
                r["child_id"].strip(),
                r["parent_id"].strip(),
                r["kind"].strip(),
                r["valid_from"].strip() or None,
                r["valid_to"].strip() or None,
            )
            for r in csv.DictReader(handle)
            if r["child_id"].strip()
        ]


def organisation_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Return the shipped organisations CSV files, in a stable order."""
    return sorted(data_dir.glob("organisations_*.csv"))


def overlay_dir(data_dir: Path) -> Path:
    """Return the folder where `pdt orgs refresh` keeps its overlay of the register."""
    return Path(data_dir) / "register"


def load_register(overlay: Path | None = None, data_dir: Path = DATA_DIR) -> Register:
    """Load the shipped register, then any refreshed overlay on top of it."""
    orgs: dict[str, Organisation] = {}
    for path in organisation_files(data_dir):
        for org in read_organisations(path):
            if org.id in orgs:
                raise ValueError(f"duplicate organisation id {org.id} in {path.name}")
            orgs[org.id] = org
    aliases = read_aliases(data_dir / ALIASES_FILE)
    if overlay is not None and (overlay / OVERLAY_ORGS).exists():
        for org in read_organisations(overlay / OVERLAY_ORGS):
            orgs[org.id] = org
        if (overlay / OVERLAY_ALIASES).exists():
            aliases += read_aliases(overlay / OVERLAY_ALIASES)
    relations = read_relations(data_dir / RELATIONS_FILE)
    check_register(orgs, aliases, relations)
    return Register(orgs, dedupe_aliases(aliases), relations=relations)


def dedupe_aliases(aliases: list[Alias]) -> list[Alias]:
    """Keep the first of any repeated (alias, organisation) pair."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for alias in aliases:
        key = (alias.alias, alias.organisation_id)
        if key not in seen:
            seen.add(key)
            kept.append(alias)
    return kept


def check_register(
    orgs: dict[str, Organisation], aliases: list[Alias], relations: list[Relation] = ()
) -> None:
    """Raise ValueError when a link points nowhere or a subtype is not a known one."""
    for org in orgs.values():
        if org.successor_id and org.successor_id not in orgs:
            raise ValueError(f"{org.id}: successor {org.successor_id} is not in the register")
        if org.nhs_trust_subtype and org.nhs_trust_subtype not in SUBTYPES:
            raise ValueError(f"{org.id}: unknown subtype {org.nhs_trust_subtype}")
    for alias in aliases:
        if alias.organisation_id not in orgs:
            raise ValueError(f"alias {alias.alias!r} points at unknown {alias.organisation_id}")
    for rel in relations:
        typed = rel.child_id.startswith(TYPE_PREFIX)
        if rel.parent_id not in orgs or (rel.child_id not in orgs and not typed):
            raise ValueError(f"relation {rel.child_id} -> {rel.parent_id} points at an unknown id")


def write_organisations(path: Path, orgs: list[Organisation]) -> None:
    """Write organisations to a CSV file in the register's column order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ORG_FIELDS, lineterminator="\n")
        writer.writeheader()
        for org in orgs:
            writer.writerow({k: v or "" for k, v in org.to_row().items()})


def write_aliases(path: Path, aliases: list[Alias]) -> None:
    """Write aliases to a CSV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["alias", "organisation_id", "kind"])
        for alias in aliases:
            writer.writerow([alias.alias, alias.organisation_id, alias.kind])


def upsert_register(db: sqlite_utils.Database, register: Register) -> dict[str, int]:
    """Load the register into the store; unchanged rows are left alone."""
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    existing = {row["id"]: row for row in db["organisations"].rows}
    changed = []
    for org in register.organisations.values():
        row = org.to_row()
        old = existing.get(org.id)
        outcome = "new" if old is None else ("unchanged" if old == row else "updated")
        counts[outcome] += 1
        if outcome != "unchanged":
            changed.append(row)
    alias_rows = {(a.alias, a.organisation_id): a.kind for a in register.aliases}
    old_aliases = {
        (r["alias"], r["organisation_id"]): r["kind"] for r in db["organisation_aliases"].rows
    }
    with db.conn:
        if changed:
            db["organisations"].upsert_all(changed, pk="id")
        if alias_rows != old_aliases:
            db.execute("DELETE FROM organisation_aliases")
            db["organisation_aliases"].insert_all(
                {"alias": a, "organisation_id": o, "kind": k} for (a, o), k in alias_rows.items()
            )
    counts["aliases"] = len(alias_rows)
    counts["stale"] = len(set(existing) - set(register.organisations))
    return counts
