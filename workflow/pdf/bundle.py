"""What a district sends up for a batch: one PDF and one ZIP of the same files.

The PDF is the batch's Tờ trình with its landscape list, a table of contents, then for each dossier
its documents and attachments (images placed on A4 pages), with a bookmark per dossier and per part.
It is merged from the stored PDFs with pypdf, never re-rendered; only the table of contents is new.
The ZIP holds the stored files byte for byte and manifest.json with the path and SHA-256 of each.
"""
from __future__ import annotations

import hashlib
import io
from datetime import timedelta
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import img2pdf
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ..formatting import format_datetime, official_date_line
from ..i18n import N_
from . import storage
from .render import html_to_pdf, render_document_html

A4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
STALE_BUILD_AFTER = timedelta(minutes=15)
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


def _ascii_slug(text: str, limit: int = 60) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:limit] or "tep"


def bundle_contents(batch, kinds) -> tuple[Part, list[Section]]:
    """The batch's Tờ trình, then each dossier's parts as they stood when the batch was sent."""
    head_doc = batch.document
    head = Part(f"Tờ trình số {head_doc.number} và danh sách trích ngang", head_doc.sha256, "application/pdf",
                head_doc.page_count, f"00_{_ascii_slug(head_doc.number)}_to-trinh.pdf")
    sections = []
    for dossier in batch.dossiers:
        kind = kinds[dossier.kind]
        subject = kind.subject(dossier.submitted_data or dossier.data)
        section = Section(f"Hồ sơ số {dossier.id}: {subject}", f"HS-{dossier.id:05d}_{_ascii_slug(subject, 40)}")
        position = 1
        for document in dossier.documents:
            if document.issued_at <= batch.created_at:
                section.parts.append(Part(f"{document.title} (số {document.number})", document.sha256, "application/pdf",
                                          document.page_count, f"{position:02d}_{_ascii_slug(document.number)}.pdf"))
                position += 1
        for attachment in dossier.attachments:
            if attachment.uploaded_at <= batch.created_at and attachment.round <= dossier.round:
                label = kind.attachment_types.get(attachment.attachment_type, (attachment.attachment_type,))[0]
                extension = attachment.filename.rsplit(".", 1)[-1]
                section.parts.append(Part(f"{label}: {attachment.filename}", attachment.sha256, attachment.content_type,
                                          attachment.page_count,
                                          f"{position:02d}_{attachment.attachment_type}_{_ascii_slug(attachment.filename.rsplit('.', 1)[0], 40)}.{extension}"))
                position += 1
        sections.append(section)
    return head, sections


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


def _toc_pdf(batch, head: Part, sections: list[Section], toc_pages: int) -> tuple[bytes, int]:
    page = head.pages + toc_pages + 1
    rows = []
    for section in sections:
        parts = []
        for part in section.parts:
            parts.append({"title": part.title, "page": page})
            page += part.pages
        rows.append({"title": section.title, "page": parts[0]["page"], "parts": parts})
    html = render_document_html("documents/bundle_toc.html", {
        "number": batch.document.number, "issuer_name": batch.organisation.name, "rows": rows,
        "head_title": head.title, "head_pages": head.pages, "toc_page": head.pages + 1,
        "date_line": official_date_line(batch.organisation.place_name, batch.document.issued_on),
        "built_at": format_datetime(batch.created_at)})
    rendered = html_to_pdf(html)
    return rendered.data, rendered.page_count


def build_bundle_pdf(batch, kinds, progress=None) -> bytes:
    head, sections = bundle_contents(batch, kinds)
    # A guess of the contents' length from its text (about 4,200 characters a page after the heading),
    # so that it is usually rendered once; the loop corrects a wrong guess.
    characters = sum(len(s.title) + sum(len(p.title) + 10 for p in s.parts) for s in sections)
    toc_pages, toc = -(-(characters + 2000) // 4200), None
    for _ in range(3):  # page numbers depend on the TOC's own length
        toc, pages = _toc_pdf(batch, head, sections, toc_pages)
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
        for part, start in zip(section.parts, starts):
            writer.add_outline_item(title=part.title, page_number=start, parent=parent)
        if progress:
            progress(done, len(sections))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_bundle_zip(batch, kinds, out=None):
    """Write the ZIP to `out` (a file, so that a large batch need not sit in memory), or return its bytes."""
    head, sections = bundle_contents(batch, kinds)
    files = [(head.zip_name, head)] + [(f"{s.folder}/{p.zip_name}", p) for s in sections for p in s.parts]
    target = out if out is not None else io.BytesIO()
    manifest = {"batch": {"id": batch.id, "number": batch.document.number, "kind": batch.kind,
                          "organisation": batch.organisation.name, "created_at": batch.created_at.isoformat() + "Z"},
                "files": []}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, part in files:
            data = storage.read(part.sha256)
            assert hashlib.sha256(data).hexdigest() == part.sha256, f"stored file {part.sha256} is damaged"
            archive.writestr(path, data)
            manifest["files"].append({"path": path, "sha256": part.sha256, "size": len(data), "title": part.title})
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return target if out is not None else target.getvalue()


def request_bundle_build(batch, actor):
    """(the build, whether it is new): the batch's build that is done or under way, else a new one."""
    import sqlalchemy as sa

    from ..auth.models import utcnow
    from ..extensions import db
    from .models import BundleBuild

    build = db.session.scalar(sa.select(BundleBuild).where(BundleBuild.batch_id == batch.id,
                                                           BundleBuild.status.in_(("queued", "running", "done")))
                              .order_by(BundleBuild.id.desc()))
    if build is not None and (build.status == "done" or build.requested_at > utcnow() - STALE_BUILD_AFTER):
        return build, False
    if build is not None:  # queued or running for too long: the worker died or the task was lost
        build.status, build.error = "failed", N_("Quá thời gian chờ; đã tạo lại.")  # a msgid: shown with gettext
    build = BundleBuild(batch_id=batch.id, total=len(batch.dossiers), requested_by_id=actor.id)
    db.session.add(build)
    db.session.flush()
    return build, True


def run_bundle_build(build_id: int) -> None:
    """The background task: build, store, and report progress as it goes (committed, so pages can show it)."""
    from flask import current_app

    from ..auth.models import utcnow
    from ..dossiers.kinds import KINDS
    from ..dossiers.models import Batch
    from ..extensions import db
    from .models import BundleBuild

    build = db.session.get(BundleBuild, build_id)
    if build is None or build.status == "done":
        return
    build.status = "running"
    db.session.commit()

    def progress(done, total):
        build.done, build.total = done, total
        db.session.commit()

    try:
        data = build_bundle_pdf(db.session.get(Batch, build.batch_id), KINDS, progress)
        build.sha256 = storage.store(data)
        storage.forget_new_files()  # kept: the row below refers to it
        build.status, build.finished_at = "done", utcnow()
    except Exception:  # reported on the page; the build can be asked for again
        current_app.logger.exception("bundle build %s failed", build_id)
        db.session.rollback()
        build = db.session.get(BundleBuild, build_id)
        build.status, build.error, build.finished_at = "failed", N_("Tạo bộ hồ sơ không thành công."), utcnow()
    db.session.commit()
