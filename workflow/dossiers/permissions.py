"""Who may see and do what: shared by the pages (which buttons), the API and the operations (which refuse)."""
from __future__ import annotations

import sqlalchemy as sa

from ..orgs.models import Organisation
from ..states import EDITABLE_STATES, DossierWorkflow
from .models import Dossier, batch_dossier


def visible_dossiers_filter(user):
    """A SQL condition on Dossier: the officer's own union (drafts included); the reviewer's child unions,
    once submitted; the deciding federation's grandchildren, once forwarded. Others see nothing."""
    if user.role == "officer":
        return Dossier.organisation_id == user.organisation_id
    children = sa.select(Organisation.id).where(Organisation.parent_id == user.organisation_id)
    if user.role == "reviewer":
        return sa.and_(Dossier.organisation_id.in_(children), Dossier.round > 0)
    if user.role == "liaison":
        grandchildren = sa.select(Organisation.id).where(Organisation.parent_id.in_(children))
        return sa.and_(Dossier.organisation_id.in_(grandchildren), Dossier.id.in_(sa.select(batch_dossier.c.dossier_id)))
    return sa.false()


def can_view(user, dossier: Dossier) -> bool:
    if user.role == "officer":
        return dossier.organisation_id == user.organisation_id
    if user.role == "reviewer":
        return dossier.reviewing_org_id == user.organisation_id and dossier.round > 0
    if user.role == "liaison":
        return dossier.deciding_org_id == user.organisation_id and bool(dossier.batches)
    return False


def last_forward(dossier: Dossier):
    """The history row of the dossier's last forwarding to the province (None: never forwarded)."""
    return next((row for row in reversed(dossier.events) if row.event == "forward"), None)


def data_seen_by(user, dossier: Dossier) -> dict:
    """The owning union sees its latest edits; the district what was submitted to it; the province what was
    forwarded to it (not a resubmission the district has not sent up yet)."""
    if user.role == "officer" and dossier.organisation_id == user.organisation_id:
        return dossier.data
    if user.role == "liaison":
        forward = last_forward(dossier)
        return (forward.data_snapshot if forward and forward.data_snapshot else None) or dossier.submitted_data or {}
    return dossier.submitted_data or {}


def attachments_seen_by(user, dossier: Dossier) -> list:
    """The union sees every file; the federations only those of the rounds submitted to them."""
    if user.role == "officer" and dossier.organisation_id == user.organisation_id:
        return list(dossier.attachments)
    if user.role == "liaison":
        forward = last_forward(dossier)
        return [a for a in dossier.attachments if forward is not None and a.round <= forward.round]
    return [a for a in dossier.attachments if a.round <= dossier.round]


def can_create(user) -> bool:
    return user.role == "officer"


def can_edit(user, dossier: Dossier) -> bool:
    return (user.role == "officer" and dossier.organisation_id == user.organisation_id
            and dossier.state in EDITABLE_STATES)


def allowed_events(user, dossier: Dossier) -> list[str]:
    return DossierWorkflow(dossier, user).allowed_event_ids()


def can_view_batch(user, batch) -> bool:
    """Only the forwarding federation and the deciding one: a batch lists several unions' members."""
    if user.role == "reviewer":
        return batch.organisation_id == user.organisation_id
    if user.role == "liaison":
        return batch.organisation.parent_id == user.organisation_id
    return False


def can_download(user, document) -> bool:
    if document.dossiers:
        # A decision on several dossiers goes to every union it names, as its "Nơi nhận" says.
        return any(can_view(user, dossier) for dossier in document.dossiers)
    return document.batch is not None and can_view_batch(user, document.batch)
