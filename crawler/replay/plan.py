"""Turn report rows into the planned site: every report's truth and every rendering choice."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from crawler.replay.documents import arrange, fill_organisations, plan_documents
from crawler.replay.model import (
    CATEGORIES,
    CURRENT_LISTING,
    LandingSpec,
    ReportSpec,
    SiteConfig,
    parse_iso,
    pick_subset,
    rng_for,
)
from crawler.replay.names import hyphenate
from crawler.replay.rows import (
    SECTION_COLUMNS,
    normalise_ref,
    parse_date_text,
    parse_pasted_summary,
    split_categories,
    split_recipients_for_pdf,
    upload_month,
    url_path,
)
from crawler.replay.text import theme_of
from crawler.replay.variants import choose_labels, printed_date, template_flags

DEFAULT_RECIPIENTS = {
    "mental": "Department of Health and Social Care",
    "hospital": "NHS England",
    "community": "NHS England",
    "road": "National Highways",
    "custody": "HM Prison and Probation Service",
    "care": "Care Quality Commission",
    "child": "Department for Education",
    "drugs": "Medicines and Healthcare products Regulatory Agency",
    "general": "Health and Safety Executive",
}
REPORT_SUFFIX = "-prevention-of-future-deaths-report"


def is_landing_row(row: dict[str, str]) -> bool:
    """Tell a listing entry that is a category landing page (no report data at all)."""
    keys = ("date_of_report", "ref", "deceased_name", "pdf_url", "reply_urls", "coroner_name")
    return bool(row["report_url"]) and not any(row[k].strip() for k in keys)


def report_slug(row: dict[str, str]) -> str:
    """Return the final URL slug of the report page (made from the name when there is no URL)."""
    path = url_path(row["report_url"]).strip("/")
    if path:
        return path.split("/")[-1]
    return hyphenate(row["deceased_name"] or row["ref"] or "report").lower() + REPORT_SUFFIX


def with_summary(row: dict[str, str]) -> dict[str, str]:
    """Fill empty fields from a whole summary block that was pasted into the date field."""
    found = parse_pasted_summary(row["date_of_report"])
    if "ref" not in found:
        return row
    filled = dict(row)
    for key in ("ref", "deceased_name", "coroner_name", "coroner_area"):
        if not row[key] and found.get(key):
            filled[key] = found[key]
            filled.setdefault("_in_summary", "")
            filled["_in_summary"] += f" {key}"
    return filled


def estimate_day(ref: str | None, pdf_url: str) -> date:
    """Guess a date of report when the page's date cannot be read: upload month, else ref year."""
    month = upload_month(pdf_url)
    if month:
        return date(month[0], month[1], 1)
    return date(int(ref[:4]), 7, 1) if ref else date(2020, 1, 1)


def added_date(day: date, pdf_url: str, rng: random.Random) -> date:
    """Date the report was added: in the PDF's upload month when that fits, else soon after."""
    month = upload_month(pdf_url)
    if month and (day.year, day.month) <= month <= (day.year + 2, day.month):
        start = max(day, date(*month, 1))
        end = date(month[0] + month[1] // 12, month[1] % 12 + 1, 1) - timedelta(days=1)
        if start <= end:
            return start + timedelta(days=rng.randint(0, (end - start).days))
    return day + timedelta(days=rng.randint(0, 14))


def page_title(name: str, slug: str) -> str:
    """Title a report page: `<Name>: Prevention of future deaths report`, or just the name."""
    name = name or slug.replace("-", " ").title()
    return f"{name}: Prevention of future deaths report" if REPORT_SUFFIX in slug else name


def pdf_recipients(raw: str, docs: list, categories: list[str]) -> list[str]:
    """Return the recipients the PDF lists: the page's, else the responders', else a default.

    Pages of 2013-15 and "Various recipients - please see the report" leave them to the PDF.
    """
    recipients = split_recipients_for_pdf(raw)
    if re.search(r"(?i)\bvarious\b|see (?:in )?the report", raw):
        recipients = []
    if not recipients:
        orgs = [d.org_in_name for d in docs if d.kind == "response" and d.org_in_name]
        recipients = list(dict.fromkeys(orgs)) or [DEFAULT_RECIPIENTS[theme_of(categories)]]
    return recipients


def page_style(
    added: date, pdf_day: date, has_report: bool, config: SiteConfig, rng: random.Random
) -> tuple[str, str]:
    """Return the PDF button's markup and how the report text is pasted ("" for not at all)."""
    button = "none"
    if has_report:
        new = added >= parse_iso(config.block_button_from)
        button = "wp-block-file" if new else "govuk-button"
    pasted = ""
    if pdf_day >= parse_iso(config.pasted_text_from):
        pasted = "table" if rng.random() < config.table_share else "text"
    return button, pasted


def plan_report(row: dict[str, str], config: SiteConfig) -> ReportSpec:
    """Plan one current-generation report page from a row."""
    row = with_summary(row)
    slug = report_slug(row)
    rng = rng_for(config.seed, slug)
    odd = rng.random() < config.variant_share
    ref = normalise_ref(row["ref"])
    day = parse_date_text(row["date_of_report"], int(ref[:4]) if ref else None)
    pdf_day = day or estimate_day(ref, row["pdf_url"])
    added = added_date(pdf_day, row["pdf_url"], rng)
    name = re.sub(r"\s+", " ", row["deceased_name"]).strip()
    docs = plan_documents(row, slug, name, added, rng)
    categories = split_categories(row["category"])
    recipients = pdf_recipients(row["this_report_is_being_sent_to"], docs, categories)
    fill_organisations(docs, recipients, rng)
    report_doc = next((d.url for d in docs if d.kind == "report"), None)
    button, pasted = page_style(added, pdf_day, report_doc is not None, config, rng)
    return ReportSpec(
        id=slug,
        url=f"{CURRENT_LISTING}{slug}/",
        generation="current",
        title=page_title(name, slug),
        ref_raw=row["ref"].strip(),
        ref=ref,
        date_of_report_raw=printed_date(row["date_of_report"], day, rng, odd),
        date_of_report=day.isoformat() if day else None,
        date_in_pdf=pdf_day.isoformat(),
        date_added=added.isoformat(),
        deceased_name=name,
        coroner_name=row["coroner_name"].strip(),
        coroner_area=row["coroner_area"].strip(),
        categories=categories,
        recipients_raw=row["this_report_is_being_sent_to"].strip(),
        recipients_pdf=recipients,
        documents=arrange(docs, name, rng, odd),
        pdf_button=report_doc,
        button_style=button,
        pasted=pasted,
        labels=choose_labels(rng, odd),
        omitted=row.get("_in_summary", "").split(),  # printed inside the date line already
        label_strong=odd and rng.random() < 0.3,
        template=template_flags(rng, odd),
        sections={k: row[k] for k in SECTION_COLUMNS if row[k].strip()},
        source_url=row["report_url"],
    )


def make_legacy(spec: ReportSpec, rng: random.Random) -> None:
    """Move a report to the older site: /publications/<name>/, no button, no pasted text."""
    slug = spec.id.removesuffix(REPORT_SUFFIX)
    spec.id = slug
    spec.url = f"/publications/{slug}/"
    spec.generation = "legacy"
    spec.title = spec.deceased_name or slug.replace("-", " ").title()
    spec.button_style = "none"
    spec.pdf_button = None
    spec.pasted = ""
    spec.one_paragraph = rng.random() < 0.2
    for doc in spec.documents:
        doc.report_id = slug


def unique_ids(specs: list[ReportSpec]) -> None:
    """Give reports that share a slug distinct ids, as WordPress does (`-2`, `-3`)."""
    seen: dict[str, int] = {}
    for spec in specs:
        count = seen.get(spec.id, 0) + 1
        seen[spec.id] = count
        if count > 1:
            base = spec.url.rstrip("/").rsplit("/", 1)[0]
            spec.id = f"{spec.id}-{count}"
            spec.url = f"{base}/{spec.id}/"
            for doc in spec.documents:
                doc.report_id = spec.id


def assign_generations(specs: list[ReportSpec], config: SiteConfig) -> None:
    """Send a share of the reports added before the relaunch to the older generation."""
    cutoff = parse_iso(config.legacy_before)
    eligible = [s.id for s in specs if parse_iso(s.date_added) < cutoff]
    chosen = set(pick_subset(eligible, config.legacy_share, config.seed, "legacy"))
    for spec in specs:
        if spec.id in chosen:
            make_legacy(spec, rng_for(config.seed, spec.id, "legacy"))
    unique_ids(specs)


def landing_from_row(row: dict[str, str], when: date) -> LandingSpec:
    """Plan a landing page that the rows themselves list (an entry with no report data)."""
    path = url_path(row["report_url"]).rstrip("/") + "/"
    title = path.strip("/").split("/")[-1].replace("-", " ").capitalize()
    return LandingSpec(
        url=path, title=title, date_added=when.isoformat(), category="", source="csv"
    )


def fault_landings(specs: list[ReportSpec], config: SiteConfig) -> list[LandingSpec]:
    """Plan the landing pages of the landing_page fault, e.g. /railwayrelateddeaths/."""
    ids = [s.id for s in specs]
    chosen = pick_subset(ids, config.faults.landing_page, config.seed, "landing_page")
    by_id = {s.id: s for s in specs}
    names = ["Railway related deaths", *sorted(set(CATEGORIES) - {"Railway related deaths"})]
    landings = []
    for i, report_id in enumerate(chosen):
        category = names[i % len(names)]
        slug = re.sub(r"[^a-z0-9]", "", category.lower())
        landings.append(
            LandingSpec(f"/{slug}/", category, by_id[report_id].date_added, category, "fault")
        )
    return landings
