"""A bundle of stored files as one PDF and as one ZIP (what goes in is the caller's: batches/contents.py).

The PDF is the head part (a batch's Tờ trình with its landscape list), a table of contents, then each section's
parts (documents and attachments, images placed on A4 pages), with a bookmark per section and per part. It is
merged from the stored PDFs with pypdf, never re-rendered; only the table of contents is new. The ZIP holds the
stored files byte for byte and manifest.json with the path and SHA-256 of each.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import img2pdf
from PIL import Image
from pypdf import PdfReader, PdfWriter

from . import storage
from .render import html_to_pdf, render_document_html

A4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
_A4_LAYOUT = img2pdf.get_layout_fun(A4, border=(img2pdf.mm_to_pt(10), img2pdf.mm_to_pt(10)), fit=img2pdf.FitMode.into)


@dataclass
class Part:
    title: str
    sha256: str
    content_type: str
    pages: int
    zip_name: str


@dataclass
class Section:
    title: str
    folder: str
    parts: list[Part] = field(default_factory=list)


def ascii_slug(text: str, limit: int = 60) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:limit] or "tep"


def _as_pdf(part: Part) -> bytes:
    data = storage.read(part.sha256)
    if part.content_type == "application/pdf":
        return data
    with Image.open(io.BytesIO(data)) as image:
        if image.mode not in ("RGB", "L", "CMYK") or "transparency" in image.info:
            flat = io.BytesIO()
            image.convert("RGB").save(flat, "PNG")  # img2pdf refuses an alpha channel
            data = flat.getvalue()
    return img2pdf.convert(data, layout_fun=_A4_LAYOUT)


@dataclass
class Contents:
    """What a bundle holds: the head part, the sections, and what its table of contents and manifest say of it."""

    head: Part
    sections: list[Section]
    toc: dict  # for documents/bundle_toc.html: number, issuer_name, date_line, built_at
    manifest: dict  # the manifest's heading


def _toc_pdf(contents: Contents, toc_pages: int) -> tuple[bytes, int]:
    head, sections = contents.head, contents.sections
    page = head.pages + toc_pages + 1
    rows = []
    for section in sections:
        parts = []
        for part in section.parts:
            parts.append({"title": part.title, "page": page})
            page += part.pages
        rows.append({"title": section.title, "page": parts[0]["page"], "parts": parts})
    html = render_document_html("documents/bundle_toc.html", {
        **contents.toc, "rows": rows, "head_title": head.title, "head_pages": head.pages, "toc_page": head.pages + 1})
    rendered = html_to_pdf(html)
    return rendered.data, rendered.page_count


def build_bundle_pdf(contents: Contents, progress=None) -> bytes:
    head, sections = contents.head, contents.sections
    # A guess of the contents' length from its text (about 4,200 characters a page after the heading),
    # so that it is usually rendered once; the loop corrects a wrong guess.
    characters = sum(len(s.title) + sum(len(p.title) + 10 for p in s.parts) for s in sections)
    toc_pages, toc = -(-(characters + 2000) // 4200), None
    for _ in range(3):  # page numbers depend on the TOC's own length
        toc, pages = _toc_pdf(contents, toc_pages)
        if pages == toc_pages:
            break
        toc_pages = pages
    writer = PdfWriter()
    writer.page_mode = "/UseOutlines"
    writer.append(PdfReader(io.BytesIO(storage.read(head.sha256))), import_outline=False)
    writer.add_outline_item(title=head.title, page_number=0)
    toc_start = len(writer.pages)
    writer.append(PdfReader(io.BytesIO(toc)), import_outline=False)
    writer.add_outline_item(title="Mục lục", page_number=toc_start)
    for done, section in enumerate(sections, start=1):
        starts = []
        for part in section.parts:
            starts.append(len(writer.pages))
            writer.append(PdfReader(io.BytesIO(_as_pdf(part))), import_outline=False)
        # Bookmarks once the pages exist: a destination needs its page.
        parent = writer.add_outline_item(title=section.title, page_number=starts[0])
        for part, start in zip(section.parts, starts, strict=True):
            writer.add_outline_item(title=part.title, page_number=start, parent=parent)
        if progress:
            progress(done, len(sections))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_bundle_zip(contents: Contents, out=None):
    """Write the ZIP to `out` (a file, so that a large batch need not sit in memory), or return its bytes."""
    head, sections = contents.head, contents.sections
    files = [(head.zip_name, head)] + [(f"{s.folder}/{p.zip_name}", p) for s in sections for p in s.parts]
    target = out if out is not None else io.BytesIO()
    manifest = {**contents.manifest, "files": []}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, part in files:
            data = storage.read(part.sha256)
            assert hashlib.sha256(data).hexdigest() == part.sha256, f"stored file {part.sha256} is damaged"
            archive.writestr(path, data)
            manifest["files"].append({"path": path, "sha256": part.sha256, "size": len(data), "title": part.title})
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return target if out is not None else target.getvalue()
