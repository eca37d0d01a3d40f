"""Benchmark the extract stage: section accuracy (token F1) and PDF throughput.

Run from the repository root:  .venv/bin/python bench/sections.py [--limit N] [--no-plumber]

Accuracy: PDFs are generated in the Regulation 28 layout (running header, page footers, curly
apostrophes, leading blank lines, heading variants) from texts people transcribed from real
reports (../shared/data/pfdtoolkit_sections_human_labelled.csv) and from the page text of
2023+ reports (../shared/data/pfd_reports.csv); each is extracted and split, and every section
is compared with its source text. The PFD-toolkit's own extraction of the same reports
(pfdtoolkit_sections_llm_scraped.csv) is scored against the same human text beside ours.
Real PDFs (../shared/data/pdfs/) are checked for their sections, the scanned one through OCR.
Throughput: pages/s and documents/s on this machine for pypdfium2 and pdfplumber.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nlp.extract import ExtractTask, extract_task  # noqa: E402
from nlp.extract_pool import run_isolated  # noqa: E402
from nlp.pdf import ExtractOptions, extract_document  # noqa: E402
from nlp.pdf_ocr import tesseract_available  # noqa: E402
from nlp.sections import split_sections  # noqa: E402
from tests.fixtures.pdf.reg28_pdf import (  # noqa: E402
    Reg28,
    build_image_pdf,
    build_report_pdf,
)

SHARED = REPO.parent / "shared" / "data"
HUMAN = "pfdtoolkit_sections_human_labelled.csv"
PEER = "pfdtoolkit_sections_llm_scraped.csv"
PAGE_TEXT = "pfd_reports.csv"
STYLES = ("column", "inline", "dotted", "lonely", "none")
csv.field_size_limit(10**9)


def tokens(text: str) -> Counter:
    """Return the bag of lower-cased word tokens of a text."""
    return Counter(re.findall(r"\w+", (text or "").lower()))


def token_f1(predicted: str, gold: str) -> float:
    """Return the token-level F1 of a predicted text against the gold text."""
    pred, true = tokens(predicted), tokens(gold)
    common = sum((pred & true).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pred.values()), common / sum(true.values())
    return 2 * precision * recall / (precision + recall)


def read_csv(name: str) -> list[dict[str, str]]:
    """Read one shared CSV file."""
    with open(SHARED / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def noisy_spec(i: int, **sections: str) -> Reg28:
    """Return a report spec with the i-th combination of layout noise."""
    return Reg28(
        numbering=STYLES[i % len(STYLES)],
        heading_case="title" if i % 3 == 2 else "upper",
        curly=i % 2 == 0,
        blank_lines=100 if i % 4 == 1 else 0,
        running_header="REGULATION 28: REPORT TO PREVENT FUTURE DEATHS" if i % 2 else "",
        footer=True,
        pre_inquest=i % 7 == 3,
        **sections,
    )


def extract_split(pdf: bytes, folder: Path, name: str, engine: str = "pdfium") -> dict[str, str]:
    """Write a generated PDF, extract it and return its sections."""
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    result = extract_document(path, "report", ExtractOptions(engine=engine, ocr=False))
    return split_sections(result.text, result.text_source).sections


def human_set(folder: Path, limit: int | None) -> None:
    """Score sections extracted from PDFs built from human transcriptions, and the peer's."""
    human = read_csv(HUMAN)[:limit]
    peer = {row["URL"]: row for row in read_csv(PEER)}
    columns = {
        "investigation": "InvestigationAndInquest",
        "circumstances": "CircumstancesOfDeath",
        "concerns": "MattersOfConcern",
    }
    ours: dict[str, list[float]] = {k: [] for k in columns}
    theirs: dict[str, list[float]] = {k: [] for k in columns}
    for i, row in enumerate(human):
        spec = noisy_spec(
            i,
            recipients=[r for r in row["Receiver"].split("\n") if r.strip()] or ["Chief Executive"],
            coroner=f"I am {row['CoronerName']}, coroner for the area of {row['Area']}.",
            **{name: row[col] for name, col in columns.items()},
        )
        sections = extract_split(build_report_pdf(spec), folder, f"human{i}")
        other = peer.get(row["URL"], {})
        for name, col in columns.items():
            if row[col].strip():
                ours[name].append(token_f1(sections.get(name, ""), row[col]))
                theirs[name].append(token_f1(other.get(col, ""), row[col]))
    print(
        f"\n## Human-labelled sections ({len(human)} reports; PDFs generated from the human text)"
    )
    print(f"{'section':15} {'n':>4} {'ours F1':>8} {'peer F1':>8} {'ours<0.9':>9}")
    for name in columns:
        low = sum(1 for f in ours[name] if f < 0.9)
        print(
            f"{name:15} {len(ours[name]):4d} {mean(ours[name]):8.4f} {mean(theirs[name]):8.4f} "
            f"{low:9d}"
        )


def mean(values: list[float]) -> float:
    """Return the mean, or 0 for no values."""
    return statistics.fmean(values) if values else 0.0


def page_text_of(row: dict[str, str], columns: dict[str, str], flat: bool) -> str:
    """Build the text a 2023+ report page carries: numbered capitalised headings, then text.

    ``flat`` runs everything into one line, as a page whose breaks were lost would.
    """
    heads = {
        "legal_powers": "CORONER'S LEGAL POWERS",
        "investigation": "INVESTIGATION and INQUEST",
        "circumstances": "CIRCUMSTANCES OF THE DEATH",
        "concerns": "CORONER'S CONCERNS",
        "action": "ACTION SHOULD BE TAKEN",
        "response": "YOUR RESPONSE",
    }
    parts = [
        "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS",
        "THIS REPORT IS BEING SENT TO:",
        row["this_report_is_being_sent_to"],
        "1 CORONER",
        f"I am {row['coroner_name']}, coroner for the area of {row['coroner_area']}.",
    ]
    for number, (name, col) in enumerate(columns.items(), start=2):
        parts += [f"{number} {heads[name]}", row[col]]
    text = "\n".join(parts)
    return " ".join(text.split()) if flat else text


def page_text_set(folder: Path, limit: int | None) -> None:
    """Score sections from PDFs (and page text) built from 2023+ reports' section texts."""
    columns = {
        "legal_powers": "legal",
        "investigation": "inquest",
        "circumstances": "circumstances",
        "concerns": "concerns",
        "action": "action",
        "response": "response",
    }
    rows = [r for r in read_csv(PAGE_TEXT) if r["concerns"].strip() and r["circumstances"].strip()]
    rows = rows[:limit]
    pdf_f1: dict[str, list[float]] = {k: [] for k in columns}
    html_f1: dict[str, list[float]] = {k: [] for k in columns}
    for i, row in enumerate(rows):
        sections = {name: row[col] for name, col in columns.items()}
        spec = noisy_spec(
            i,
            recipients=[row["this_report_is_being_sent_to"] or "Chief Executive"],
            coroner=f"I am {row['coroner_name']}, coroner for the area of {row['coroner_area']}.",
            **sections,
        )
        from_pdf = extract_split(build_report_pdf(spec), folder, f"page{i}")
        from_html = split_sections(page_text_of(row, columns, flat=i % 2 == 1), "html").sections
        for name, col in columns.items():
            if row[col].strip():
                pdf_f1[name].append(token_f1(from_pdf.get(name, ""), row[col]))
                html_f1[name].append(token_f1(from_html.get(name, ""), row[col]))
    print(f"\n## 2023+ report sections ({len(rows)} reports of {PAGE_TEXT})")
    print(f"{'section':15} {'n':>4} {'PDF F1':>8} {'page F1':>8}")
    for name in columns:
        print(
            f"{name:15} {len(pdf_f1[name]):4d} {mean(pdf_f1[name]):8.4f} {mean(html_f1[name]):8.4f}"
        )


def strip_text_layer(path: Path, out: Path, dpi: int = 200) -> None:
    """Write an image-only copy of a PDF (what a scanner without OCR produces)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    images = [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in pdf]
    out.write_bytes(build_image_pdf(images))


WANTED = ("sent_to", "coroner", "investigation", "circumstances", "concerns", "action", "response")


def real_pdf_row(path: Path) -> tuple[str, str]:
    """Extract and split one real PDF; return its table row and its text."""
    started = time.perf_counter()
    result = extract_document(path, "report", ExtractOptions(ocr=tesseract_available()))
    seconds = time.perf_counter() - started
    sections = split_sections(result.text, result.text_source).sections
    missing = ",".join(name for name in WANTED if name not in sections) or "-"
    note = (
        f" ({result.ocr_pages} page(s) OCRed by tesseract, {seconds:.1f}s)"
        if result.ocr_pages
        else ""
    )
    row = (
        f"{path.name:26} {result.text_source:6} {result.pages:5d} {result.quality:7.3f} "
        f"{len(sections):8d} {missing}{note}"
    )
    agreement = scraper_agreement(path.stem, sections)
    if agreement:
        row += f"\n{'':26} F1/recall vs the pfd_reports.csv scrape of it: {agreement}"
    return row, result.text


def real_pdfs(folder: Path) -> None:
    """Check every real PDF yields its sections; read the scanned one again through tesseract."""
    print("\n## Real PDFs (../shared/data/pdfs)")
    print(f"{'file':26} {'source':6} {'pages':>5} {'quality':>7} {'sections':>8} missing")
    for path in sorted((SHARED / "pdfs").glob("*.pdf")):
        print(real_pdf_row(path)[0])
    original = SHARED / "pdfs" / "Chris_Evans.pdf"
    if original.exists():
        scanned = folder / "Chris_Evans_image_only.pdf"
        strip_text_layer(original, scanned)
        row, text = real_pdf_row(scanned)
        layer = extract_document(original, "report", ExtractOptions(ocr=False)).text
        print(row)
        print(
            f"{'':26} OCR text vs the scanner's own OCR layer: token F1 {token_f1(text, layer):.4f}"
        )


def child_cpu() -> float:
    """Return the CPU seconds used so far by finished worker processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


REFS = {
    "Amy_Henderson": "2023-0129",
    "Chris_Evans": "2023-0132",
    "Jodie_McCann": "2023-0131",
    "Joseph_Maunick": "2023-0128",
    "Peter_Lawrence": "2023-0130",
}


def token_recall(predicted: str, reference: str) -> float:
    """Return the share of the reference text's tokens that the predicted text contains."""
    pred, ref = tokens(predicted), tokens(reference)
    return sum((pred & ref).values()) / (sum(ref.values()) or 1)


def scraper_agreement(stem: str, sections: dict[str, str]) -> str:
    """Compare sections with another scraper's text of the same real report (F1 / its recall).

    That scraper often cut sections short, so its tokens found in ours (recall) is the fairer
    figure; F1 is shown beside it.
    """
    ref = REFS.get(stem)
    rows = [r for r in read_csv(PAGE_TEXT) if r["ref"] == ref] if ref else []
    if not rows:
        return ""
    columns = {
        "investigation": "inquest",
        "circumstances": "circumstances",
        "concerns": "concerns",
        "action": "action",
        "response": "response",
    }
    scores = [
        f"{name} {token_f1(sections.get(name, ''), rows[0][col]):.2f}/"
        f"{token_recall(sections.get(name, ''), rows[0][col]):.2f}"
        for name, col in columns.items()
        if rows[0][col].strip()
    ]
    return ", ".join(scores)


def throughput(folder: Path, engines: list[str], workers: int) -> None:
    """Measure pages/s and documents/s of the whole extraction over the generated corpus.

    Wall-clock rates depend on whatever else the machine runs, so the CPU time the workers used
    is measured too: pages per CPU-second times the cores is the rate of an otherwise idle box.
    """
    files = sorted(p for p in folder.glob("*.pdf") if "image_only" not in p.name)
    cores = os.cpu_count() or 1
    print(
        f"\n## Throughput ({workers} worker processes, {cores} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start)"
    )
    print(
        f"{'engine':11} {'docs':>5} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'docs/s':>7} "
        f"{'CPU s':>6} {'pages/CPU-s':>11} {'60k pages, wall':>15} {'60k pages, idle':>15}"
    )
    for engine in engines:
        subset = files if engine == "pdfium" else files[: max(40, len(files) // 4)]
        options = ExtractOptions(engine=engine, ocr=False)
        tasks = [ExtractTask(p.stem, str(p), "report", options=options) for p in subset]
        cpu, started = child_cpu(), time.perf_counter()
        pages = sum(r.pages for _, r in run_isolated(extract_task, tasks, workers, 600))
        seconds, cpu = time.perf_counter() - started, child_cpu() - cpu
        rate, cpu_rate = pages / seconds, pages / cpu
        idle = 60000 / (cpu_rate * min(workers, cores)) / 60
        print(
            f"{engine:11} {len(tasks):5d} {pages:6d} {seconds:7.1f} {rate:8.1f} "
            f"{len(tasks) / seconds:7.1f} {cpu:6.1f} {cpu_rate:11.1f} "
            f"{60000 / rate / 60:11.1f} min {idle:11.1f} min"
        )


def main() -> int:
    """Run every benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="Reports per data set.")
    parser.add_argument("--no-plumber", action="store_true", help="Skip the pdfplumber run.")
    args = parser.parse_args()
    if not (SHARED / HUMAN).exists():
        print(f"../shared/data is not present ({SHARED}): nothing to benchmark.")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        human_set(folder, args.limit)
        if (SHARED / PAGE_TEXT).exists():
            page_text_set(folder, args.limit)
        if (SHARED / "pdfs").exists():
            real_pdfs(folder)
        engines = ["pdfium"] if args.no_plumber else ["pdfium", "pdfplumber"]
        throughput(folder, engines, os.cpu_count() or 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
