"""A small made-up site for the crawler's end-to-end tests: rows in the columns the replay reads.

Every name here is invented; the rows only follow the site's shapes (refs, dates, file names).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

FIRST = "Ada Bram Cora Dilys Emrys Fenella Gwilym Hester Idris Jocasta Kit Lorcan Maud Nye".split()
LAST = "Abernethy Blackwood Carrow Dunmore Elphick Farrant Gorringe Hatherley Inchbold".split()
ORGS = [
    "Northmoor NHS Foundation Trust",
    "Westvale Ambulance Service NHS Trust",
    "Riverford County Council",
    "Department of Health and Social Care",
    "Care Quality Commission",
    "Eastshire Police",
]
AREAS = ["Manchester (South)", "Inner North London", "Surrey", "Avon", "North West Wales"]
CATEGORIES = [
    "Mental Health related deaths",
    "Suicide (from 2015)",
    "Hospital Death (Clinical Procedures and medical management) related deaths",
    "Road (Highways Safety) related deaths",
]
UPLOADS = "https://www.judiciary.uk/wp-content/uploads"
SECTION_COLUMNS = ("circumstances", "concerns", "inquest", "action", "response", "legal")


def _day_text(day: date, rng: random.Random) -> str:
    return rng.choice([f"{day.day} {day:%B %Y}", f"{day:%d/%m/%Y}", f"{day.day} {day:%B %Y}"])


def make_row(i: int, day: date, rng: random.Random) -> dict[str, str]:
    """Return one report row: page URL, PDF and response URLs, and the summary fields."""
    first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
    name = f"{first} {last} {chr(65 + i % 26)}"
    ref = f"{day.year}-{i:04d}"
    slug = f"{first}-{last}-{chr(65 + i % 26)}".lower()
    modern = day >= date(2022, 6, 1)
    path = (
        f"prevention-of-future-death-reports/{slug}-prevention-of-future-deaths-report"
        if modern
        else f"publications/{slug}"
    )
    month = f"{day.year}/{day.month:02d}"
    stem = f"{first}-{last}-{chr(65 + i % 26)}"
    pdf = (
        f"{UPLOADS}/{month}/{stem}-Prevention-of-future-deaths-report-{ref}_Published.pdf"
        if modern
        else f"{UPLOADS}/{month}/{last}-{ref}.pdf"
    )
    orgs = rng.sample(ORGS, rng.randint(1, 3))
    later = day + timedelta(days=60)
    replies = [
        f"{UPLOADS}/{later.year}/{later.month:02d}/{ref}-Response-from-{o.replace(' ', '-')}.pdf"
        for o in orgs[: rng.randint(0, len(orgs))]
    ]
    return {
        "date_of_report": _day_text(day, rng),
        "ref": ref,
        "deceased_name": name,
        "coroner_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "coroner_area": rng.choice(AREAS),
        "category": " | ".join(rng.sample(CATEGORIES, rng.randint(1, 2))),
        "this_report_is_being_sent_to": "; ".join(orgs),
        "report_url": f"https://www.judiciary.uk/{path}/",
        "pdf_url": pdf,
        "reply_urls": " | ".join(replies),
        **{column: "" for column in SECTION_COLUMNS},
    }


def make_rows(count: int, seed: int = 7, start: date = date(2016, 1, 4)) -> list[dict[str, str]]:
    """Return `count` rows dated a week or two apart from `start`."""
    rng = random.Random(seed)
    rows, day = [], start
    for i in range(1, count + 1):
        rows.append(make_row(i, day, rng))
        day += timedelta(days=rng.randint(5, 15))
    return rows
