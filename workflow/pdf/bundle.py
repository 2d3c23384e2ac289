"""The PDF a district sends up: the batch's Tờ trình and list, then each dossier's documents, merged from
the stored files (never re-rendered), with a bookmark per dossier and per document."""
from io import BytesIO

from flask import send_file
from pypdf import PdfReader, PdfWriter

from . import storage


def build_bundle(batch, subject_of) -> bytes:
    writer = PdfWriter()
    writer.page_mode = "/UseOutlines"
    if batch.document is not None:
        writer.append(PdfReader(BytesIO(storage.read(batch.document.sha256))),
                      outline_item=f"Tờ trình {batch.document.number} và danh sách trích ngang", import_outline=False)
    for dossier in batch.dossiers:
        start = len(writer.pages)
        parent = None
        for document in dossier.documents:
            if document.issued_at > batch.created_at:
                continue  # decisions taken after the batch was sent are not part of what was sent
            reader = PdfReader(BytesIO(storage.read(document.sha256)))
            if parent is None:
                writer.append(reader, import_outline=False)
                parent = writer.add_outline_item(title=f"Hồ sơ số {dossier.id}: {subject_of(dossier)}", page_number=start)
                writer.add_outline_item(title=f"{document.title} ({document.number})", page_number=start, parent=parent)
            else:
                page = len(writer.pages)
                writer.append(reader, import_outline=False)
                writer.add_outline_item(title=f"{document.title} ({document.number})", page_number=page, parent=parent)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def bundle_response(batch):
    from ..dossiers.kinds import KINDS

    data = build_bundle(batch, lambda d: KINDS[d.kind].subject(d.data))
    return send_file(BytesIO(data), mimetype="application/pdf", download_name=f"bo-ho-so-{batch.id}.pdf")
