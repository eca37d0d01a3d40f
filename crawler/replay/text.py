"""Deterministic wording for reports and responses, used when a row has no section text.

All of it is invented for the replay; none is taken from real reports.
"""

from __future__ import annotations

import random
from datetime import date

THEMES: dict[str, tuple[str, ...]] = {
    "mental": ("mental health", "suicide"),
    "hospital": ("hospital death",),
    "community": ("community health", "emergency services"),
    "road": ("road",),
    "custody": ("custody", "police"),
    "care": ("care home",),
    "child": ("child death",),
    "drugs": ("alcohol",),
}

CIRCUMSTANCES: dict[str, tuple[str, ...]] = {
    "mental": (
        "{name} had been known to local mental health services for several years.",
        "In the weeks before the death {name} was assessed by the crisis team and discharged "
        "to the care of the GP with a plan for follow-up that did not take place.",
        "{name} was found at home by a relative and could not be revived.",
        "A referral to the community team had been made but was still waiting to be triaged.",
    ),
    "hospital": (
        "{name} was admitted to hospital after a fall at home and was treated on a busy ward.",
        "Observations recorded a steady deterioration that was not escalated to a senior doctor.",
        "A scan that had been requested was delayed over a weekend.",
        "{name} died in hospital despite treatment once the deterioration was recognised.",
    ),
    "community": (
        "A call was made to the emergency services when {name} became unwell at home.",
        "The call was categorised at a lower priority and the wait for an ambulance was long.",
        "By the time the crew arrived {name} had collapsed and could not be resuscitated.",
        "Handover delays at the local emergency department were affecting ambulance cover.",
    ),
    "road": (
        "{name} was driving on a rural road at night when the vehicle left the carriageway.",
        "The junction had poor sight lines and there had been earlier collisions at the site.",
        "Road markings were worn and a warning sign was hidden by vegetation.",
        "{name} died at the scene from multiple injuries.",
    ),
    "custody": (
        "{name} was detained and taken to a custody suite where a risk assessment was done.",
        "Checks on {name} were recorded as completed but the footage showed they were not.",
        "Information about a previous self-harm incident was not passed to the staff on duty.",
        "{name} was found unresponsive in a cell and later declared dead.",
    ),
    "care": (
        "{name} lived in a residential care home and needed help with eating and drinking.",
        "A falls risk assessment had not been reviewed after a change in medication.",
        "{name} fell at night and the fall was not reported to the out-of-hours service.",
        "{name} was taken to hospital the following morning and died there.",
    ),
    "child": (
        "{name} was a young child who had been seen several times by the GP with a fever.",
        "Safety-netting advice given to the family was not written down.",
        "{name} was taken to the emergency department where sepsis was recognised late.",
        "{name} died in a paediatric intensive care unit.",
    ),
    "drugs": (
        "{name} had a long history of alcohol and drug use and was in a treatment programme.",
        "A change of prescriber meant that the dose of a medicine was not checked.",
        "{name} was found at home with several medicines that had been supplied at once.",
        "The cause of death was found to be the combined toxic effect of the medicines.",
    ),
    "general": (
        "{name} died after an incident that the inquest examined in detail.",
        "The evidence showed that the risk had been known to more than one organisation.",
        "No single organisation had taken responsibility for managing that risk.",
        "The medical cause of death was established at post-mortem examination.",
    ),
}

CONCERNS: dict[str, tuple[str, ...]] = {
    "mental": (
        "Discharge plans did not set out who would follow the patient up, or when.",
        "Families were not asked for their views on risk before a discharge.",
        "Waiting lists for community mental health treatment were long and not monitored.",
        "Risk assessments relied on tick boxes rather than a formulation of the risk.",
    ),
    "hospital": (
        "Early warning scores were not acted on out of hours.",
        "There was no system to make sure that urgent scans happen at weekends.",
        "Staffing on the ward was below the planned level on most shifts.",
        "Records of fluid balance were incomplete.",
    ),
    "community": (
        "Calls were triaged to a lower category without a clinical review.",
        "There is no national standard for the time a patient can wait after a fall.",
        "Handover delays continue to take ambulances away from the community.",
        "Call handlers were not trained to recognise the symptoms described.",
    ),
    "road": (
        "The junction has not been reviewed despite earlier collisions.",
        "Maintenance of signs and markings is not inspected on a fixed cycle.",
        "Speed limits on the road do not reflect its layout.",
    ),
    "custody": (
        "Observation checks were recorded without being carried out.",
        "Risk information does not follow a detained person between agencies.",
        "Staff were not trained in the use of the ligature cutters provided.",
    ),
    "care": (
        "Falls risk assessments are not reviewed when medication changes.",
        "Night staffing levels did not allow residents to be checked as planned.",
        "There was no clear route to ask for medical advice at night.",
    ),
    "child": (
        "Safety-netting advice given to parents is not recorded.",
        "Sepsis screening tools for children were not used in primary care.",
        "Repeated attendances were not flagged to a senior clinician.",
    ),
    "drugs": (
        "Prescribers could not see what other services had supplied.",
        "Large quantities of medicines were dispensed at one time.",
        "Information about overdose risk was not shared with the family.",
    ),
    "general": (
        "Responsibility for managing the risk was not clearly assigned.",
        "Lessons from earlier incidents had not been shared across the organisation.",
        "Guidance for staff was out of date.",
    ),
}

CONCLUSIONS = (
    "a narrative conclusion",
    "suicide",
    "accident",
    "misadventure",
    "drug-related death",
    "natural causes",
)
SIGNATORIES = (
    "Dr Helen Marsh",
    "Mr Owen Pritchard",
    "Ms Farah Qureshi",
    "Professor Alan Whitcombe",
    "Mrs Beatrice Okafor",
    "Mr Daniel Lindqvist",
)
ROLES = ("Chief Executive", "Medical Director", "Director of Nursing", "Chief Constable")
ACTIONS = (
    "We have reviewed the policy that the inquest considered and issued a revised version.",
    "All staff in the service have completed refresher training on the matters you raised.",
    "An audit of compliance will be reported to our quality committee every quarter.",
    "We have written to partner organisations to agree how information will be shared.",
    "A senior lead has been appointed to oversee the improvements.",
    "We are unable to act on one of the concerns and explain our reasons below.",
)


def theme_of(categories: list[str]) -> str:
    """Return the wording theme that best fits the report's categories."""
    text = " ".join(categories).lower()
    for theme, words in THEMES.items():
        if any(w in text for w in words):
            return theme
    return "general"


def long_date(day: date) -> str:
    """Format a date as `5 March 2024`."""
    return f"{day.day} {day:%B %Y}"


def filler_sections(name: str, theme: str, day: date, rng: random.Random) -> dict[str, str]:
    """Write sections 2-6 of a report in the replay's own words."""
    first = name.split()[0] if name.split() else "The deceased"
    circ = [s.format(name=first) for s in CIRCUMSTANCES[theme]]
    items = rng.sample(CONCERNS[theme], k=min(len(CONCERNS[theme]), rng.randint(2, 4)))
    opened = date.fromordinal(day.toordinal() - rng.randint(120, 500))
    return {
        "legal": "I make this report under paragraph 7, Schedule 5, of the Coroners and Justice "
        "Act 2009 and regulations 28 and 29 of the Coroners (Investigations) Regulations 2013.",
        "inquest": f"On {long_date(opened)} I commenced an investigation into the death of "
        f"{name or 'the deceased'}, aged {rng.randint(19, 91)}. The investigation concluded at "
        f"the end of the inquest. The conclusion was {rng.choice(CONCLUSIONS)}.",
        "circumstances": "\n".join(circ),
        "concerns": "During the inquest the evidence revealed matters giving rise to concern. "
        "In my opinion there is a risk that future deaths will occur unless action is taken. "
        "In the circumstances it is my statutory duty to report to you.\n"
        "The MATTERS OF CONCERN are as follows:\n"
        + "\n".join(f"({i}) {text}" for i, text in enumerate(items, 1)),
        "action": "In my opinion action should be taken to prevent future deaths and I believe "
        "you and your organisation have the power to take such action.",
    }


def response_text(due: date) -> str:
    """Write section 7, stating the 56-day deadline."""
    return (
        "You are under a duty to respond to this report within 56 days of the date of this "
        f"report, namely by {long_date(due)}. I, the coroner, may extend the period.\n"
        "Your response must contain details of action taken or proposed to be taken, setting "
        "out the timetable for action. Otherwise you must explain why no action is proposed."
    )


def copies_text() -> str:
    """Write section 8."""
    return (
        "I have sent a copy of my report to the Chief Coroner and to the family of the deceased. "
        "I am also under a duty to send a copy of your response to the Chief Coroner, who may "
        "publish either or both in a complete, redacted or summary form."
    )


def letter_body(org: str, deceased: str, report_day: date, rng: random.Random) -> list[str]:
    """Write the paragraphs of a response letter from `org`."""
    picked = rng.sample(ACTIONS, k=3)
    return [
        f"Thank you for your report dated {long_date(report_day)} following the inquest into "
        f"the death of {deceased or 'the deceased'}. I write on behalf of {org}.",
        "We were saddened to learn of the death and our thoughts remain with the family.",
        "We have considered each of the matters of concern carefully. In summary:",
        *(f"{i}. {text}" for i, text in enumerate(picked, 1)),
        "I hope this response provides assurance that the concerns have been taken seriously.",
    ]


def signatory(rng: random.Random) -> tuple[str, str]:
    """Return a fictional (name, role) to sign a letter."""
    return rng.choice(SIGNATORIES), rng.choice(ROLES[:3])
