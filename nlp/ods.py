"""Refresh the NHS part of the register from the NHS ODS ORD API (`pdt orgs refresh`).

The ORD API (https://directory.spineservices.nhs.uk/ORD/2-0-0/) lists organisations by role:
NHS trusts (RO197), care trusts (RO107), Welsh local health boards (RO144) and strategic
partnerships (RO261, ICBs among them). Each organisation's record gives its name, its
operational dates and its successors. The refresh keeps our curated types and subtypes, takes
names, dates and successors from ODS, keeps a renamed body's old name as an alias, and writes
an overlay into ``<data dir>/register/`` (the shipped files are never edited). A trust that is
new to us has no subtype until someone curates it; the refresh reports how many there are.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from nlp.orgnames import normalise
from nlp.register import (
    OVERLAY_ALIASES,
    OVERLAY_ORGS,
    Alias,
    Organisation,
    Register,
    load_register,
    overlay_dir,
    write_aliases,
    write_organisations,
)

log = logging.getLogger(__name__)

ODS_BASE = "https://directory.spineservices.nhs.uk/ORD/2-0-0"
ROLES = {"RO197": "nhs_trust", "RO107": "nhs_trust", "RO144": "health_board", "RO261": "icb"}
ICB_ROLE = "RO318"
PAGE = 1000
SINCE = "2013-04-01"
KEEP_UPPER = frozenset("NHS ICB CCG UK HM II III".split())
KEEP_LOWER = frozenset("and of the for on in upon with at by".split())

Fetch = Callable[[str], dict]


class OdsUnavailable(RuntimeError):
    """The ODS API could not be reached or answered with an error."""


@dataclass(slots=True)
class OdsOrg:
    """What ODS says about one organisation."""

    code: str
    name: str
    active: bool
    role: str
    opened_on: str | None = None
    closed_on: str | None = None
    successors: list[tuple[str, str | None]] = field(default_factory=list)
    is_icb: bool = True


@dataclass(slots=True)
class RefreshSummary:
    """What a refresh changed."""

    fetched: int = 0
    added: int = 0
    renamed: int = 0
    dates_changed: int = 0
    successors_changed: int = 0
    unchanged: int = 0
    needs_subtype: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


def fetch_json(url: str, user_agent: str, timeout: float = 30.0) -> dict:
    """GET a JSON document from the ODS API, raising OdsUnavailable when offline."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": user_agent}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise OdsUnavailable(f"cannot read {url}: {exc}") from exc


def polite_fetch(user_agent: str, pause: float = 0.25) -> Fetch:
    """Return a fetch that waits between requests (ODS asks for under 5 requests a second)."""

    def fetch(url: str) -> dict:
        time.sleep(pause)
        return fetch_json(url, user_agent)

    return fetch


def role_list_url(role: str, offset: int) -> str:
    """Return the ORD search URL for one page of organisations with a primary role."""
    return f"{ODS_BASE}/organisations?PrimaryRoleId={role}&Limit={PAGE}&Offset={offset}"


def fetch_role(fetch: Fetch, role: str) -> list[dict]:
    """Return every organisation summary with a primary role, page by page."""
    found: list[dict] = []
    offset = 0
    while True:
        page = fetch(role_list_url(role, offset)).get("Organisations", [])
        found.extend(page)
        if len(page) < PAGE:
            return found
        offset += PAGE


def org_code(summary: dict) -> str:
    """Return the ODS code of a search result (its OrgId) or of a full record."""
    value = summary.get("OrgId")
    return value.get("extension", "") if isinstance(value, dict) else str(value or "")


def parse_record(record: dict, role: str) -> OdsOrg:
    """Turn one ORD organisation record into an OdsOrg."""
    org = record.get("Organisation", record)
    opened = closed = None
    for span in org.get("Date", []):
        if span.get("Type") == "Operational":
            opened, closed = span.get("Start"), span.get("End")
    successors = []
    for succ in (org.get("Succs") or {}).get("Succ", []):
        if succ.get("Type") == "Successor":
            dates = [d.get("Start") for d in succ.get("Date", []) if d.get("Start")]
            successors.append((org_code(succ.get("Target", {})), dates[0] if dates else None))
    roles = {r.get("id") for r in (org.get("Roles") or {}).get("Role", [])}
    return OdsOrg(
        code=org_code(org),
        name=org.get("Name", ""),
        active=org.get("Status", "Active") == "Active",
        role=role,
        opened_on=opened,
        closed_on=closed,
        successors=successors,
        is_icb=role != "RO261" or ICB_ROLE in roles,
    )


def wanted(summary: dict, known_codes: set[str]) -> bool:
    """Keep organisations we hold, active ones, and any changed since the register's start."""
    code = org_code(summary)
    return (
        code in known_codes
        or summary.get("Status") == "Active"
        or (summary.get("LastChangeDate") or "") >= SINCE
    )


def fetch_ods(fetch: Fetch, known_codes: set[str]) -> list[OdsOrg]:
    """Fetch the full record of every NHS trust, care trust, Welsh health board and ICB."""
    orgs = []
    for role in ROLES:
        for summary in fetch_role(fetch, role):
            if not wanted(summary, known_codes):
                continue
            record = fetch(f"{ODS_BASE}/organisations/{org_code(summary)}")
            parsed = parse_record(record, role)
            if parsed.is_icb and (parsed.active or (parsed.closed_on or "") >= SINCE):
                orgs.append(parsed)
    return orgs


def title_case(name: str) -> str:
    """Turn an ODS upper-case name into the register's style ("NHS Foundation Trust")."""
    words = []
    for i, word in enumerate(name.split()):
        if word in KEEP_UPPER:
            words.append(word)
        elif i and word.lower() in KEEP_LOWER:
            words.append(word.lower())
        else:
            words.append("-".join(p.capitalize() for p in word.split("-")))
    text = " ".join(words)
    return re.sub(r"(\w)'S\b", r"\1's", text)


def successor_of(item: OdsOrg, known: set[str]) -> tuple[str | None, str | None]:
    """Return the (code, legal date) of the latest successor we can link to, if any."""
    linked = [(code, day) for code, day in item.successors if code in known]
    return linked[-1] if linked else (None, None)


def merged_org(current: Organisation | None, item: OdsOrg, known: set[str]) -> Organisation:
    """Combine our curated record (types, region) with what ODS says (name, dates, links)."""
    successor, merged_on = successor_of(item, known)
    name = title_case(item.name)
    if current is None:
        return Organisation(
            id=item.code,
            name=name,
            org_type=ROLES[item.role],
            ods_code=item.code,
            country="Wales" if item.role == "RO144" else None,
            successor_id=successor,
            merged_on=merged_on,
            opened_on=item.opened_on,
            closed_on=item.closed_on,
            source="ods",
        )
    return replace(
        current,
        name=name if normalise(name) != normalise(current.name) else current.name,
        opened_on=item.opened_on or current.opened_on,
        closed_on=item.closed_on or current.closed_on,
        successor_id=successor or current.successor_id,
        merged_on=merged_on or current.merged_on,
        source="curated+ods",
    )


def merge_ods(
    register: Register, ods: list[OdsOrg]
) -> tuple[list[Organisation], list[Alias], RefreshSummary]:
    """Return the refreshed NHS rows, the old names kept as aliases, and what changed."""
    summary = RefreshSummary(fetched=len(ods))
    known = set(register.organisations) | {o.code for o in ods}
    orgs, aliases = [], []
    for item in ods:
        current = register.organisations.get(item.code)
        new = merged_org(current, item, known)
        orgs.append(new)
        if current is None:
            summary.added += 1
            summary.needs_subtype += new.org_type == "nhs_trust"
            continue
        if new.name != current.name:
            summary.renamed += 1
            aliases.append(Alias(current.name, current.id, "former_name"))
        summary.dates_changed += (new.opened_on, new.closed_on) != (
            current.opened_on,
            current.closed_on,
        )
        summary.successors_changed += new.successor_id != current.successor_id
        summary.unchanged += new == current
    return orgs, aliases, summary


def refresh_register(data_dir: Path, user_agent: str, fetch: Fetch | None = None) -> RefreshSummary:
    """Fetch the NHS organisations from ODS and write the register overlay for this data dir."""
    register = load_register(overlay=None)
    known_codes = {o.ods_code for o in register.organisations.values() if o.ods_code}
    fetch = fetch or polite_fetch(user_agent)
    ods = fetch_ods(fetch, known_codes)
    orgs, aliases, summary = merge_ods(register, ods)
    folder = overlay_dir(data_dir)
    write_organisations(folder / OVERLAY_ORGS, orgs)
    write_aliases(folder / OVERLAY_ALIASES, aliases)
    load_register(folder)  # raises if the overlay breaks a link
    log.info("ODS refresh: %s", summary.as_dict())
    return summary
