"""Benchmark recipient splitting and typing, trust-type counts, and response matching.

Prints:
  (a) typing accuracy on a hand-checked sample of recipients (bench/samples/recipient_types.csv),
      per org_type and per NHS trust subtype, and splitting accuracy on hand-split recipient
      fields (bench/samples/recipient_splits.csv). The register and rules were tuned while
      looking at that sample. (a') is a second sample (recipient_types_holdout.csv) labelled
      after the rules were frozen; its misses were read afterwards and answered, so it is no
      longer blind either. (a'') (recipient_types_blind2.csv: 120 "Sent to" names and the
      recipients of 35 raw recipient fields, seed 20261124, excluding every report in the
      earlier samples) was labelled before the system was run on it and scored once: 167/174
      typed (96.0%), 46/49 subtypes (93.9%). Its misses were then answered with general rules
      and register data, so it is no longer blind. (a''') (recipient_types_blind3.csv: 124
      "Sent to" names and the 48 recipients of 31 raw recipient fields, seed 20261125,
      excluding every report in all earlier samples; "ORCi" and "Bourne House" were drawn but
      left out as unverifiable) was drawn and labelled by hand before any of those changes,
      and scored once after them: 162/172 typed (94.2%), 44/44 subtypes (100%). One rule was
      added after that score ("care agency" is a care provider, not a public agency: 163/172,
      94.8%). Its other misses are knowledge the register lacks (a Royal Navy harbour master,
      a Welsh and a Norwegian charity, the British National Formulary, a GM locality board),
      a misspelling ("Department fr Health") and a unit of a known body ("CQC National
      Customer Service Centre");
  (b) reports sent to mental health and ambulance trusts, counted from the "Sent to" column of
      ../shared/data/pfd_reports_status_2025.csv, scaled by the share of all reports that file
      holds, beside the Preventable Deaths Tracker's published figures;
  (c) response matching precision and recall on hand-checked reply URLs
      (bench/samples/response_matches.csv); (c') on response_matches_holdout.csv (since tuned
      on, as for (a')); (c'') on response_matches_blind2.csv (60 reply URLs drawn with seed
      20261124; blind score precision 52/53, recall 52/53; since answered); (c''') on
      response_matches_blind3.csv (58 reply URLs drawn with seed 20261125, 4 unverifiable).
      Its first score was precision 48/48 and recall 47/49 (95.9%); afterwards a body renamed
      into a new one (Department of Health -> DHSC) was made to answer under either name at
      any date, which found the 48th. Recall counts gold recipients found: a recipient split
      into two pieces that are both matched counts once (until this version such pieces were
      counted twice, which printed the blind3 first score as 98.0%).
  Last, a line pooled over all four samples.

Conventions the labels and the register share (the labels of already-scored samples changed
for them are listed):
  - The College of Policing is a national_body (a Home Office arm's-length body), not a
    professional_body: blind2 b048 changed from professional_body.
  - Industry-owned standards and sector bodies (RSSB, ATOC, the AACE) are professional_body:
    the register's RSSB changed from national_body; no label changed.
  - Every royal college or faculty of a health profession is a royal_college, the RCN and the
    RCM included (organisation_types.csv says so): blind2 b111 changed from professional_body.
  - NHS subtypes follow NHS England's 2024 trust-type list, except that "specialist" is kept
    for trusts serving one specialty or client group (children's, women's, cancer, heart and
    chest, orthopaedic, eye, neurology), which that list types acute: blind2 b079
    (Birmingham Women's and Children's) changed from acute to specialist.
  - Armed services and their posts are national_body; foreign governments, their embassies
    and high commissions are 'other'; care-home groups are company, a single named home (or a
    home-care agency) care_home.
  - A trust's reply answers for its own hospitals named as recipients beside it: hold-out
    h32.0 (a 2015 reply from South Staffordshire and Shropshire Healthcare, whose St George's
    Hospital in Stafford was also a recipient) now expects both.
  - A reply whose file name names no body ("2017-0394-Response.pdf", a deceased's name) is
    "?" (left out), even with one recipient; one from a body that is no recipient is "-".
The samples hold keys only (see bench/sample_keys.py): a report hash and character spans or
reply indices into ../shared/data, with our own labels. Without ../shared/data the script says
so and exits 0.

Run: .venv/bin/python bench/recipients.py
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rapidfuzz import fuzz  # noqa: E402
from sample_keys import (  # noqa: E402
    SHARED,
    load_responses,
    load_splits,
    load_types,
    read_csv,
    shared_present,
)

from nlp.organisations import OrgMatcher  # noqa: E402
from nlp.orgnames import normalise  # noqa: E402
from nlp.recipients import build_splitter, split_text  # noqa: E402
from nlp.register import load_register  # noqa: E402
from nlp.response_match import (  # noqa: E402
    Candidate,
    evidence_from_file_name,
    match_response,
    upload_date,
)
from nlp.responses import own_words  # noqa: E402

MH = ("mental_health", "mental_health_and_community")
PUBLISHED = {
    "mental health": (MH, date(2024, 12, 8), 824, 49),
    "ambulance": (("ambulance",), date(2024, 11, 24), 217, 11),
}


def pct(part: int, whole: int) -> str:
    """Format a share as a percentage."""
    return f"{100.0 * part / whole:5.1f}%" if whole else "   n/a"


def same_text(a: str, b: str) -> bool:
    """Tell whether two recipient texts name the same thing."""
    na, nb = normalise(a), normalise(b)
    return bool(na and nb) and (na == nb or na in nb or nb in na or fuzz.ratio(na, nb) >= 85)


def bench_typing(matcher: OrgMatcher, name: str, title: str) -> Counter:
    """Print typing accuracy per org_type and per NHS subtype; return the totals."""
    rows = load_types(name)
    by_type: dict[str, Counter] = defaultdict(Counter)
    by_sub: dict[str, Counter] = defaultdict(Counter)
    misses = []
    for row in rows:
        found = matcher.match(row["recipient"], None, row["coroner_area"] or None)
        ok = found.org_type == row["org_type"]
        by_type[row["org_type"]]["ok" if ok else "bad"] += 1
        if not ok:
            misses.append(
                f"    {row['recipient'][:60]!r}: {found.org_type}, want {row['org_type']}"
            )
        if row["org_type"] == "nhs_trust":
            good = ok and (found.nhs_trust_subtype or "") == row["nhs_trust_subtype"]
            by_sub[row["nhs_trust_subtype"] or "-"]["ok" if good else "bad"] += 1
            if ok and not good:
                misses.append(
                    f"    {row['recipient'][:60]!r}: subtype {found.nhs_trust_subtype},"
                    f" want {row['nhs_trust_subtype']}"
                )
    print(f"{title}: {len(rows)} hand-checked recipients (bench/samples/{name})")
    print_table("org_type", by_type)
    print_table("nhs_trust_subtype", by_sub)
    if misses:
        print("  misses:")
        print("\n".join(misses))
    return Counter(
        typed=sum(c["ok"] for c in by_type.values()),
        recipients=len(rows),
        subtyped=sum(c["ok"] for c in by_sub.values()),
        trusts=sum(sum(c.values()) for c in by_sub.values()),
    )


def print_table(title: str, table: dict[str, Counter]) -> None:
    """Print correct/total per key and overall."""
    total = sum(sum(c.values()) for c in table.values())
    good = sum(c["ok"] for c in table.values())
    print(f"  {title:<32} {'right':>6} {'total':>6} {'accuracy':>9}")
    for key in sorted(table, key=lambda k: -sum(table[k].values())):
        c = table[key]
        print(f"  {key:<32} {c['ok']:>6} {sum(c.values()):>6} {pct(c['ok'], sum(c.values())):>9}")
    print(f"  {'ALL':<32} {good:>6} {total:>6} {pct(good, total):>9}\n")


def bench_splitting(splitter) -> None:
    """Print how well hand-split recipient fields are split."""
    rows = load_splits()
    exact = found = expected = predicted = 0
    for row in rows:
        want = row["expected"].split(" || ")
        got = [r.raw for r in split_text(splitter, row["raw"])]
        hits = sum(1 for w in want if any(same_text(w, g) for g in got))
        exact += int(len(got) == len(want) and hits == len(want))
        found += hits
        expected += len(want)
        predicted += len(got)
    print(
        f"    splitting: {len(rows)} hand-split fields, {pct(exact, len(rows))} split exactly;"
        f" recipients found {found}/{expected} ({pct(found, expected).strip()}),"
        f" pieces produced {predicted}\n"
    )


def parse_day(text: str) -> date | None:
    """Parse a dd/mm/yyyy date."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def slug(url: str) -> str:
    """Return the last path segment of a report URL."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def bench_counts(matcher: OrgMatcher) -> None:
    """Print reports sent to mental health and ambulance trusts beside the published figures."""
    status_path = SHARED / "pfd_reports_status_2025.csv"
    index_path = SHARED / "pfd_report_index_2025.csv"
    if not index_path.exists():
        print("(b) Published counts: pfd_report_index_2025.csv is absent; part (b) skipped.\n")
        return
    rows = read_csv(status_path)
    index = {slug(r["URL"]) for r in read_csv(index_path)}
    share = len(index & {slug(r["URL"]) for r in rows}) / len(index)
    typed = {}
    print("(b) Reports sent to trusts, from the 'Sent to' column of pfd_reports_status_2025.csv")
    print(
        f"    that file holds {share:.1%} of the reports in the complete listing"
        " (pfd_report_index_2025.csv); counts are scaled by 1/share"
    )
    for label, (subtypes, until, theirs, their_trusts) in PUBLISHED.items():
        reports, trusts = 0, set()
        for row in rows:
            day = parse_day(row["Date of report"])
            if day is None or not date(2013, 7, 1) <= day <= until:
                continue
            hit = False
            for name in filter(None, (s.strip() for s in row["Sent to"].split(" | "))):
                area = row["Coroner area"] or None
                found = typed.setdefault((name, area), matcher.match(name, None, area))
                if found.org_type == "nhs_trust" and found.nhs_trust_subtype in subtypes:
                    hit = True
                    trusts.add(found.organisation_id or found.organisation_name)
            reports += hit
        scaled = reports / share
        print(
            f"    {label:<14} to {until}: ours {reports} in the file, {scaled:.0f} scaled;"
            f" published {theirs} ({(scaled - theirs) / theirs:+.1%});"
            f" {len(trusts)} trusts named (published {their_trusts})"
        )
    print()


def predict_responses(splitter, row: dict) -> list[str]:
    """Return the raw text of each recipient the reply URL of a sample row is matched to."""
    cands, texts = [], {}
    for i, rec in enumerate(split_text(splitter, row["recipients_raw"])):
        area = row["coroner_area"] or None
        found = splitter.matcher.match(rec.org_text or rec.person or rec.raw, None, area)
        texts[f"r{i}"] = rec.raw
        names = tuple(t for t in (rec.org_text, rec.raw, found.organisation_name) if t)
        cands.append(
            Candidate(
                f"r{i}", found.organisation_id, found.org_type, found.nhs_trust_subtype, names
            )
        )
    piece = evidence_from_file_name(row["reply_url"], own_words({"id": row["report_slug"]}))
    pieces = [r.org_text or r.raw for r in split_text(splitter, piece)] if piece else []
    on_date = upload_date(row["reply_url"])
    found = match_response(splitter.matcher, [("file_name", pieces)], cands, on_date)
    return [texts[v.recipient_id] for v in found if v.recipient_id]


def bench_responses(splitter, name: str, title: str) -> Counter:
    """Print response matching precision and recall on hand-checked reply URLs; return counts."""
    rows = [r for r in load_responses(name) if r["expected"] != "?"]
    tp = fp = found = gold_total = 0
    misses = []
    for row in rows:
        got = predict_responses(splitter, row)
        gold = [g for g in row["expected"].split(" || ") if g]
        gold_total += len(gold)
        good = sum(1 for g in got if any(same_text(g, w) for w in gold))
        hit = sum(1 for w in gold if any(same_text(g, w) for g in got))
        tp, fp, found = tp + good, fp + len(got) - good, found + hit
        if hit < len(gold) or len(got) > good:
            misses.append(
                f"    {row['sample']} {row['reply_url'].rsplit('/', 1)[-1][:60]}: got"
                f" {got}, want {gold}"
            )
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = found / gold_total if gold_total else 0.0
    print(
        f"{title}: {len(rows)} hand-checked reply URLs in bench/samples/{name}"
        " (unverifiable ones left out)"
    )
    print(f"    pairs predicted {tp + fp}, right {tp}; gold pairs {gold_total}, found {found}")
    print(f"    precision {precision:.1%}  recall {recall:.1%}")
    if misses:
        print("  misses:")
        print("\n".join(misses))
    print()
    return Counter(right=tp, predicted=tp + fp, found=found, gold=gold_total)


def print_pooled(typing: Counter, matching: Counter) -> None:
    """Print typing, subtype, precision and recall pooled over every sample."""
    print("Pooled over all four samples (development, hold-out, blind2, blind3):")
    print(
        f"    typing {typing['typed']}/{typing['recipients']}"
        f" ({pct(typing['typed'], typing['recipients']).strip()}),"
        f" NHS subtype {typing['subtyped']}/{typing['trusts']}"
        f" ({pct(typing['subtyped'], typing['trusts']).strip()})"
    )
    print(
        f"    responses: precision {matching['right']}/{matching['predicted']}"
        f" ({pct(matching['right'], matching['predicted']).strip()}),"
        f" recall {matching['found']}/{matching['gold']}"
        f" ({pct(matching['found'], matching['gold']).strip()})"
    )


TYPING_SAMPLES = (
    ("recipient_types.csv", "(a) Recipient typing, development sample"),
    ("recipient_types_holdout.csv", "(a') Recipient typing, hold-out sample"),
    ("recipient_types_blind2.csv", "(a'') Recipient typing, second blind sample"),
    ("recipient_types_blind3.csv", "(a''') Recipient typing, third blind sample"),
)
RESPONSE_SAMPLES = (
    ("response_matches.csv", "(c) Response matching, development sample"),
    ("response_matches_holdout.csv", "(c') Response matching, hold-out sample"),
    ("response_matches_blind2.csv", "(c'') Response matching, second blind sample"),
    ("response_matches_blind3.csv", "(c''') Response matching, third blind sample"),
)


def main() -> int:
    """Run every part and print its figures."""
    if not shared_present():
        print(
            "../shared/data is absent on this machine: the samples hold only keys into it,"
            " so there is nothing to score. Nothing was run."
        )
        return 0
    matcher = OrgMatcher(load_register())
    splitter = build_splitter(matcher)
    typing, matching = Counter(), Counter()
    for number, (name, title) in enumerate(TYPING_SAMPLES):
        typing.update(bench_typing(matcher, name, title))
        if number == 0:
            bench_splitting(splitter)
    bench_counts(matcher)
    for name, title in RESPONSE_SAMPLES:
        matching.update(bench_responses(splitter, name, title))
    print_pooled(typing, matching)
    return 0


if __name__ == "__main__":
    sys.exit(main())
