"""What goes into a batch's bundle: its Tờ trình and list, then each dossier as the batch sent it up: named from
the data sent (visibility.sent_in_batch, never a resubmission sent later), its documents issued until then and
the files of the rounds sent."""
from __future__ import annotations

from ..dossiers.visibility import sent_in_batch
from ..formatting import format_datetime, official_date_line
from ..pdf.bundle import Contents, Part, Section, ascii_slug


def bundle_contents(batch) -> Contents:
    head_doc = batch.document
    head = Part(f"Tờ trình số {head_doc.number} và danh sách trích ngang", head_doc.sha256, "application/pdf",
                head_doc.page_count, f"00_{ascii_slug(head_doc.number)}_to-trinh.pdf")
    kind = batch.kind_spec
    sections = []
    for dossier in batch.dossiers:
        sent = sent_in_batch(dossier, batch)
        subject = kind.subject(sent.data_snapshot or {}) if sent else ""
        section = Section(f"Hồ sơ số {dossier.id}: {subject}", f"HS-{dossier.id:05d}_{ascii_slug(subject, 40)}")
        position = 1
        for document in dossier.documents:
            if document.issued_at <= batch.created_at:
                section.parts.append(Part(f"{document.title} (số {document.number})", document.sha256,
                                          "application/pdf", document.page_count,
                                          f"{position:02d}_{ascii_slug(document.number)}.pdf"))
                position += 1
        sent_round = sent.round if sent else 0
        for attachment in dossier.attachments:
            if attachment.round <= sent_round:
                label = kind.attachment_types.get(attachment.attachment_type, (attachment.attachment_type,))[0]
                stem, _, extension = attachment.filename.rpartition(".")
                section.parts.append(Part(
                    f"{label}: {attachment.filename}", attachment.sha256, attachment.content_type,
                    attachment.page_count,
                    f"{position:02d}_{attachment.attachment_type}_{ascii_slug(stem, 40)}.{extension}"))
                position += 1
        sections.append(section)
    toc = {"number": head_doc.number, "issuer_name": batch.organisation.name,
           "date_line": official_date_line(batch.organisation.place_name, head_doc.issued_on),
           "built_at": format_datetime(batch.created_at)}
    manifest = {"batch": {"id": batch.id, "number": head_doc.number, "kind": batch.kind,
                          "organisation": batch.organisation.name, "recipient": batch.recipient.name,
                          "created_at": batch.created_at.isoformat() + "Z"}}
    return Contents(head, sections, toc, manifest)
