from datetime import datetime

from flask import url_for
from flask_babel import gettext

from .. import clock
from ..dossiers.operations import rule_warnings
from ..dossiers.permissions import allowed_events, can_edit
from ..dossiers.visibility import attachments_seen_by, can_download, data_seen_by, documents_seen_by
from ..states import FINAL_STATES


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
        "state": document.state,  # "draft": unnumbered, waiting for its signer (signing/step.py)
        "number": document.number,
        "issued_on": iso(document.issued_on),
        "issued_at": iso(document.issued_at),
        "issuer": org_ref(document.organisation),
        "sha256": document.sha256,
        "size": document.size,
        "page_count": document.page_count,
        "url": url_for("api.get_document", document_id=document.id),
        "verify_url": url_for("verify.show", code=document.verify_code, _external=True) if document.verify_code
        else None,
        "signatures": [{"signer": s.signer, "role": s.role, "signed_at": iso(s.signed_at)}
                       for s in document.signatures],
    }


def signing_request_json(request) -> dict:
    return {
        "id": request.id,
        "state": request.state,  # waiting, confirming (on the signer's phone), signed, returned
        "error": request.error,  # why the last signature did not go through (a remote one unconfirmed)
        "summary": request.summary,
        "organisation": org_ref(request.organisation),
        "requested_by": {"id": request.requested_by.id, "full_name": request.requested_by.full_name},
        "requested_at": iso(request.requested_at),
        "decided_by": ({"id": request.decided_by.id, "full_name": request.decided_by.full_name}
                       if request.decided_by else None),
        "decided_at": iso(request.decided_at),
        "return_reason": request.return_reason,
        "dossier_ids": [d.id for d in request.dossiers],
        "documents": [document_json(d) for d in request.documents],
    }


def org_ref(org) -> dict | None:
    return {"id": org.id, "code": org.code, "name": org.name} if org is not None else None


def organisation_json(org) -> dict:
    return {"id": org.id, "code": org.code, "name": org.name, "level": org.level, "parent": org_ref(org.last_parent),
            "valid_from": iso(org.valid_from), "valid_to": iso(org.valid_to), "successor": org_ref(org.successor),
            "placements": [{"parent": org_ref(p.parent), "valid_from": iso(p.valid_from), "valid_to": iso(p.valid_to)}
                           for p in org.placements]}


def route_json(route) -> dict:
    return {"id": route.id, "kind": route.kind, "jurisdiction": org_ref(route.jurisdiction),
            "valid_from": iso(route.valid_from), "valid_to": iso(route.valid_to), "basis": route.basis,
            "citation": route.citation, "steps": route.steps}


def rule_set_json(rule_set) -> dict:
    return {"id": rule_set.id, "kind": rule_set.kind, "jurisdiction": org_ref(rule_set.jurisdiction),
            "valid_from": iso(rule_set.valid_from), "valid_to": iso(rule_set.valid_to), "basis": rule_set.basis,
            "citation": rule_set.citation, "fund": rule_set.fund, "params": rule_set.params}


def attachment_json(attachment) -> dict:
    kind = attachment.dossier.kind_spec
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
        "actor": {"id": row.actor_id, "name": row.actor.full_name} if row.actor else None,
        "organisation": org_ref(row.organisation),
        "comment": row.comment,
        "round": row.round,
        "document": ({"id": document.id, "number": document.number,
                      "url": url_for("api.get_document", document_id=document.id)
                      if can_download(user, document) else None}
                     if document else None),
    }


def dossier_json(dossier, user, *, full: bool = True) -> dict:
    kind = dossier.kind_spec
    data = data_seen_by(user, dossier)
    decides = [step.decides_for(dossier.requested_amount) for step in dossier.route_steps]
    current = dossier.current_step
    result = {
        "id": dossier.id,
        "kind": dossier.kind,
        "state": dossier.state,
        "version": dossier.version,
        "org": {"id": dossier.organisation_id, "name": dossier.organisation.name},  # DESIGN §6's shape
        "route": [{"org": org_ref(step.organisation), "role": "decide" if decides[i] else "review"}
                  for i, step in enumerate(dossier.route_steps)],
        "current_org": org_ref(current.organisation if current else
                               None if dossier.state in FINAL_STATES else dossier.organisation),
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
            "documents": [document_json(d) for d in documents_seen_by(user, dossier)],
            "attachments": [attachment_json(a) for a in attachments_seen_by(user, dossier)],
            "history": [event_json(row, user) for row in dossier.events],
        })
        if can_edit(user, dossier):  # the rules its data breaks as saved, as the pages warn of them
            result["warnings"] = rule_warnings(dossier, clock.today())
    return result


def batch_json(batch, user) -> dict:
    return {
        "id": batch.id,
        "kind": batch.kind,
        "number": batch.document.number if batch.document else None,
        "org": org_ref(batch.organisation),
        "recipient": org_ref(batch.recipient),
        "created_at": iso(batch.created_at),
        "dossiers": [dossier_json(d, user, full=False) for d in batch.dossiers],
        "documents": [document_json(batch.document)] if batch.document else [],
        "bundle_url": url_for("api.batch_bundle", batch_id=batch.id),
        "zip_url": url_for("api.batch_bundle_zip", batch_id=batch.id),
        "counts": batch.progress(),
    }
