"""Helpers for the replay tests: fetch over real HTTP and read pages as JUDICIARY_SITE.md says."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

LABELS = {  # normalised label (letters only, lower case) -> field
    "dateofreport": "date_of_report",
    "dateofreports": "date_of_report",
    "ref": "ref",
    "deceasedname": "deceased_name",
    "deceasedsname": "deceased_name",
    "nameofdeceased": "deceased_name",
    "coronername": "coroner_name",
    "coronersname": "coroner_name",
    "nameofcoroner": "coroner_name",
    "coronerarea": "coroner_area",
    "coronersarea": "coroner_area",
    "category": "category",
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = self.body.decode("utf-8", "replace")


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Reply:
    """GET a URL and return status, headers and body, for errors as well."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return Reply(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers), err.read())


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def label_field(label: str) -> str | None:
    """Map a label to a field, case- and punctuation-insensitively."""
    key = re.sub(r"[^a-z]", "", label.lower())
    if "sentto" in key:
        return "recipients"
    return LABELS.get(key)


def split_line(line: str) -> tuple[str | None, str]:
    """Split `Label: value` (also `Coroners: Area: value`) into (field, value)."""
    label, sep, value = line.partition(":")
    if not sep:
        return None, line.strip()
    if re.sub(r"[^a-z]", "", label.lower()) == "coroners" and value.strip().startswith("Area"):
        _, _, value = value.partition(":")
        label = "coroners area"
    return label_field(label), value.replace("\xa0", " ").strip()


def lines_of(node: Tag) -> list[str]:
    """Return the lines of a paragraph, split at <br>."""
    html = re.sub(r"<br\s*/?>", "\n", str(node))
    text = BeautifulSoup(html, "lxml").get_text()
    return [line for line in text.split("\n") if line.strip()]


def parse_metadata(paragraphs: list[Tag]) -> dict[str, str]:
    """Read Label: value lines; lines without a label continue the previous field."""
    found: dict[str, str] = {}
    last = None
    for paragraph in paragraphs:
        for line in lines_of(paragraph):
            name, value = split_line(line)
            if name and name not in found:
                found[name] = value
                last = name
            elif last == "recipients" and name is None:
                found[last] += "\n" + value
    return found


def max_page_number(page: BeautifulSoup) -> int:
    """Return the largest number among a.page-numbers (1 when there are none)."""
    numbers = [int(n) for a in page.select("a.page-numbers") for n in re.findall(r"\d+", a.text)]
    return max(numbers, default=1)
