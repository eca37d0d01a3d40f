"""Pure checks on downloaded document bodies: the file extension, and signs of truncation."""

from __future__ import annotations

import mimetypes
import re

from crawler.documents import file_name

KNOWN_EXTENSIONS = {"pdf", "doc", "docx", "odt", "rtf", "txt", "html", "xlsx"}
CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
ZIP_END = b"PK\x05\x06"


def file_extension(url: str, content_type: str = "") -> str:
    """Return the extension to store a body under: from the URL, else the content type."""
    match = re.search(r"\.([A-Za-z0-9]{2,5})$", file_name(url))
    if match and match.group(1).lower() in KNOWN_EXTENSIONS:
        return match.group(1).lower()
    if content_type in CONTENT_TYPES:
        return CONTENT_TYPES[content_type]
    guessed = mimetypes.guess_extension(content_type or "") or ""
    return guessed.lstrip(".") or "bin"


def body_problems(
    body: bytes, ext: str, content_length: str | None = None, flags: list[str] | None = None
) -> list[str]:
    """Return what is wrong with a body: a short read, a broken PDF or DOCX; [] when sound."""
    problems = []
    if flags and "dataloss" in flags:
        problems.append("truncated download: connection closed before Content-Length bytes")
    if content_length and content_length.isdigit() and int(content_length) != len(body):
        problems.append(f"Content-Length mismatch: header {content_length}, got {len(body)}")
    if ext == "pdf":
        if not body.lstrip()[:5].startswith(b"%PDF"):
            problems.append("not a PDF: body does not start with %PDF")
        elif b"%%EOF" not in body[-2048:]:
            problems.append("truncated or corrupt PDF: no %%EOF marker at the end")
    if ext in {"docx", "xlsx", "odt"} and ZIP_END not in body[-65600:]:
        problems.append(f"truncated or corrupt {ext.upper()}: no zip end record")
    return problems
