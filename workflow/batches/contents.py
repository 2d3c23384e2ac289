"""What goes into a batch's bundle: its Tờ trình and list, then each dossier as the batch sent it up: named from
the data sent (visibility.sent_in_batch, never a resubmission sent later) and the union's Tờ trình that brought
it, its documents issued until then and the files of the rounds sent; and, once the recipient has acted, the
outcome ("Kết quả giải quyết"): each Quyết định or Thông báo it issued on them, once.

The outcome comes last: a file is kept in the order its matter was handled (the request, its papers, the
decision), and the pages bound before the decision keep their numbers when it is added."""
from __future__ import annotations

from datetime import datetime

from ..dossiers.visibility import sent_in_batch
from ..formatting import format_date, format_datetime, official_date_line
from ..pdf.bundle import Contents, Part, Section, ascii_slug

# The steps of the recipient that settle a dossier of the batch there, and the documents they issue.
OUTCOME_EVENTS = {"accept", "reject", "refer_back", "return"}
OUTCOME_TYPES = {"QĐ", "TB"}


def _dated(document) -> str:
    return f"số {document.number}, ngày {format_date(document.issued_on)}"


def _trail(dossier, batch):
    """(the union's last Tờ trình before the batch's forward, the recipient's first step after it)."""
    request, forwarded = None, False
    for row in dossier.events:
        if not forwarded:
            if row.event == "submit" and row.document is not None:
                request = row.document
            elif row.event == "forward" and row.batch_id == batch.id:
                forwarded = True
        elif row.event != "transfer":  # a move to a successor organisation is no step (Batch.outcome)
            return request, row
    return request, None


def _outcome_after(step, as_of: datetime | None):
    document = step.document if step is not None and step.event in OUTCOME_EVENTS else None
    if document is None or document.doc_type not in OUTCOME_TYPES:
        return None
    return document if as_of is None or document.issued_at <= as_of else None


def _concerning(subjects: list[str]) -> str:
    if len(subjects) > 3:
        return f" — {len(subjects)} hồ sơ"
    return " — hồ sơ của " + "; ".join(subjects)


def bundle_contents(batch, as_of: datetime | None = None) -> Contents:
    """The bundle as of a moment (a background build's request): outcome documents issued later are left out,
    so that a build says what it holds (bundles.py serves it until a newer outcome exists)."""
    head_doc = batch.document
    kind = batch.kind_spec
    head = Part(f"Tờ trình số {head_doc.number} ngày {format_date(head_doc.issued_on)} và danh sách trích ngang",
                head_doc.sha256, "application/pdf", head_doc.page_count, f"{ascii_slug(head_doc.number)}_to-trinh.pdf")
    sections, outcomes = [], {}
    for dossier in batch.dossiers:
        sent = sent_in_batch(dossier, batch)
        subject = kind.subject(sent.data_snapshot or {}) if sent else ""
        request, step = _trail(dossier, batch)
        union = request.organisation.name if request is not None else dossier.organisation.name
        title = f"Hồ sơ của {subject}"
        if request is not None:
            title += f" — Tờ trình số {request.number} ngày {format_date(request.issued_on)} của {union}"
        else:
            title += f" — {union}"
        slug = ascii_slug(subject, 60) + (f"_{ascii_slug(request.number, 20)}" if request is not None else "")
        section = Section(title, slug)
        position = 1
        for document in dossier.documents:
            if document.issued_at <= batch.created_at:
                section.parts.append(Part(f"{document.title} ({_dated(document)})", document.sha256,
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
                    f"{position:02d}_{attachment.attachment_type}_{ascii_slug(stem, 40)}.{extension}",
                    label=label, filename=attachment.filename, attachment=True))
                position += 1
        sections.append(section)
        outcome = _outcome_after(step, as_of)
        if outcome is not None:  # a Quyết định on many dossiers is filed once
            outcomes.setdefault(outcome.id, (outcome, []))[1].append(subject)
    if outcomes:
        section = Section("Kết quả giải quyết", "ket-qua-giai-quyet")
        ordered = sorted(outcomes.values(), key=lambda item: (item[0].issued_at, item[0].id))
        for position, (document, subjects) in enumerate(ordered, start=1):
            section.parts.append(Part(f"{document.title} ({_dated(document)}){_concerning(subjects)}",
                                      document.sha256, "application/pdf", document.page_count,
                                      f"{position:02d}_{ascii_slug(document.number)}.pdf"))
        sections.append(section)
    toc = {"number": head_doc.number, "issued_on": format_date(head_doc.issued_on),
           "issuer_name": batch.organisation.name,
           "date_line": official_date_line(batch.organisation.place_name, head_doc.issued_on),
           "built_at": format_datetime(batch.created_at)}
    manifest = {"batch": {"id": batch.id, "number": head_doc.number, "kind": batch.kind,
                          "organisation": batch.organisation.name, "recipient": batch.recipient.name,
                          "created_at": batch.created_at.isoformat() + "Z"},
                "outcomes": [{"number": d.number, "doc_type": d.doc_type, "issued_on": d.issued_on.isoformat()}
                             for d, _ in sorted(outcomes.values(), key=lambda i: (i[0].issued_at, i[0].id))]}
    return Contents(head, sections, toc, manifest, label=f"Bộ hồ sơ kèm Tờ trình số {head_doc.number}",
                    author=batch.organisation.name, subject=f"Đề nghị {kind.request_phrase}")
