"""The content of each document as a list of blocks: the Regulation 28 template and letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from crawler.replay.model import DocSpec, ReportSpec, parse_iso, rng_for
from crawler.replay.text import (
    copies_text,
    filler_sections,
    letter_body,
    long_date,
    response_text,
    signatory,
    theme_of,
)

TITLE = "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS"
HEADINGS = (
    ("coroner", "1", "CORONER"),
    ("legal", "2", "CORONER'S LEGAL POWERS"),
    ("inquest", "3", "INVESTIGATION and INQUEST"),
    ("circumstances", "4", "CIRCUMSTANCES OF THE DEATH"),
    ("concerns", "5", "CORONER'S CONCERNS"),
    ("action", "6", "ACTION SHOULD BE TAKEN"),
    ("response", "7", "YOUR RESPONSE"),
    ("copies", "8", "COPIES and PUBLICATION"),
    ("signature", "9", ""),
)


@dataclass(slots=True)
class Block:
    """One piece of a document: a title, heading, paragraph or list item."""

    kind: str  # title | heading | para | item | letterhead
    text: str
    number: str = ""


def due_date(spec: ReportSpec) -> date:
    """Return the date by which responses are due: the date of the report plus 56 days."""
    return parse_iso(spec.date_in_pdf) + timedelta(days=56)


def report_sections(spec: ReportSpec, seed: int) -> dict[str, str]:
    """Return the text of every numbered section of a report's PDF."""
    day = parse_iso(spec.date_in_pdf)
    rng = rng_for(seed, spec.id, "sections")
    filled = filler_sections(spec.deceased_name, theme_of(spec.categories), day, rng)
    given = {k: v.strip() for k, v in spec.sections.items() if v and v.strip()}
    sections = {**filled, **given}
    sections["coroner"] = (
        f"I am {spec.coroner_name or 'the coroner'}, coroner for the coroner area of "
        f"{spec.coroner_area or 'this area'}."
    )
    sections["response"] = response_text(due_date(spec))
    sections["copies"] = copies_text()
    sections["signature"] = f"{long_date(day)}\n{spec.coroner_name or 'Coroner'}"
    return {key: sections[key] for key, _, _ in HEADINGS}


def heading_text(key: str, number: str, text: str, template: dict[str, bool]) -> str:
    """Render a section heading with the report's quirks (curly apostrophes, case, wording)."""
    if key == "inquest" and template.get("inquest_only"):
        text = "INVESTIGATION"
    if template.get("curly"):
        text = text.replace("'", "\u2019")
    if template.get("lower_headings") and text:
        text = text.capitalize()
    return f"{number} {text}".strip()


def report_blocks(spec: ReportSpec, seed: int) -> list[Block]:
    """Return the blocks of a Regulation 28 report."""
    template = spec.template
    blocks = [Block("title", TITLE), Block("heading", "THIS REPORT IS BEING SENT TO:")]
    recipients = spec.recipients_pdf or ["The Chief Executive"]
    blocks += [Block("item", text, f"{i}.") for i, text in enumerate(recipients, 1)]
    sections = report_sections(spec, seed)
    for key, number, text in HEADINGS:
        if key == "copies" and template.get("drop_copies"):
            continue
        blocks.append(Block("heading", heading_text(key, number, text, template), number))
        blocks += [paragraph(line) for line in sections[key].splitlines() if line.strip()]
    return blocks


def paragraph(line: str) -> Block:
    """Make a list item of a numbered concern `(1) ...`, else a paragraph."""
    stripped = line.strip()
    if stripped.startswith("(") and ")" in stripped[:5]:
        number, _, rest = stripped.partition(")")
        return Block("item", rest.strip(), number + ")")
    return Block("para", stripped)


def letter_blocks(doc: DocSpec, report: ReportSpec, seed: int) -> list[Block]:
    """Return the blocks of a response letter (or another document) from an organisation."""
    rng = rng_for(seed, doc.url, "letter")
    org = doc.organisation or "Office of the Chief Executive"
    written = parse_iso(doc.date_added) - timedelta(days=rng.randint(1, 9))
    name, role = signatory(rng)
    blocks = [
        Block("letterhead", org),
        Block("para", f"{org}, Headquarters, {rng.randint(1, 120)} Station Road"),
        Block("para", long_date(written)),
        Block("para", f"Dear {report.coroner_name or 'Coroner'},"),
        Block("heading", f"Re: Regulation 28 report - {report.deceased_name or 'the deceased'}"),
    ]
    if doc.kind == "other":
        blocks.append(Block("para", "Please find enclosed further information for the court."))
    else:
        body = letter_body(org, report.deceased_name, parse_iso(report.date_in_pdf), rng)
        blocks += [Block("para", line) for line in body]
    blocks += [Block("para", "Yours sincerely,"), Block("para", f"{name}, {role}, {org}")]
    return blocks
