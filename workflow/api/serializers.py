from datetime import datetime

from flask import url_for
from flask_babel import gettext

from ..dossiers.kinds import KINDS
from ..dossiers.permissions import allowed_events, attachments_seen_by, can_download, data_seen_by


def iso(value):
    """Dates as ISO; stored datetimes are naive UTC, so they get a Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    return value.isoformat()


def document_json(document) -> dict:
    return {
        "id": document.id,
        "doc_type": document.doc_type,
        "title": document.title,
        "number": document.number,
        "issued_on": document.issued_on.isoformat(),
        "issued_at": iso(document.issued_at),
        "issuer": {"id": document.organisation_id, "name": document.organisation.name},
        "sha256": document.sha256,
        "size": document.size,
        "page_count": document.page_count,
        "url": url_for("api.get_document", document_id=document.id),
    }


def attachment_json(attachment) -> dict:
    kind = KINDS[attachment.dossier.kind]
    return {
        "id": attachment.id,
        "attachment_type": attachment.attachment_type,
        "label": gettext(kind.attachment_types[attachment.attachment_type][0]),
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "page_count": attachment.page_count,
        "sha256": attachment.sha256,
        "round": attachment.round,
        "uploaded_at": iso(attachment.uploaded_at),
        "url": url_for("api.get_attachment", attachment_id=attachment.id),
    }


def event_json(row, user) -> dict:
    document = row.document
    return {
        "id": row.id,
        "event": row.event,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "at": iso(row.at),
        "actor": {"id": row.actor_id, "name": row.actor.full_name},
        "organisation": {"id": row.organisation_id, "name": row.organisation.name},
        "comment": row.comment,
        "round": row.round,
        "document": ({"id": document.id, "number": document.number,
                      "url": url_for("api.get_document", document_id=document.id) if can_download(user, document) else None}
                     if document else None),
    }


def dossier_json(dossier, user, *, full: bool = True) -> dict:
    kind = KINDS[dossier.kind]
    data = data_seen_by(user, dossier)
    result = {
        "id": dossier.id,
        "kind": dossier.kind,
        "state": dossier.state,
        "version": dossier.version,
        "org": {"id": dossier.organisation_id, "name": dossier.organisation.name},
        "subject": kind.subject(data),
        "round": dossier.round,
        "submitted_on": dossier.submitted_on.isoformat() if dossier.submitted_on else None,
        "granted_amount_vnd": dossier.granted_amount_vnd,
        "campaign": {"id": dossier.campaign.id, "plan_number": dossier.campaign.plan_number,
                     "title": dossier.campaign.title} if dossier.campaign else None,
        "phase": {"name": dossier.phase.name, "ends_on": dossier.phase.ends_on.isoformat()} if dossier.phase else None,
        "submitted_late": dossier.submitted_late,
        "batch_id": dossier.batch.id if dossier.batch else None,
        "updated_at": iso(dossier.updated_at),
        "allowed_events": allowed_events(user, dossier),
    }
    if full:
        result.update({
            "data": data,
            "rule_basis": dossier.rule_set.basis if dossier.rule_set else None,
            "documents": [document_json(d) for d in dossier.documents],
            "attachments": [attachment_json(a) for a in attachments_seen_by(user, dossier)],
            "history": [event_json(row, user) for row in dossier.events],
        })
    return result


def batch_json(batch, user) -> dict:
    return {
        "id": batch.id,
        "kind": batch.kind,
        "number": batch.document.number if batch.document else None,
        "org": {"id": batch.organisation_id, "name": batch.organisation.name},
        "created_at": iso(batch.created_at),
        "dossiers": [dossier_json(d, user, full=False) for d in batch.dossiers],
        "documents": [document_json(batch.document)] if batch.document else [],
        "bundle_url": url_for("api.batch_bundle", batch_id=batch.id),
        "zip_url": url_for("api.batch_bundle_zip", batch_id=batch.id),
        "counts": batch.progress(),
    }
