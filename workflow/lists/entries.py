"""The list columns, kept in step on every flush: a dossier's own (its union's view: the data as it is now, the
amount as last submitted) and those of each of its entries in dossier_access (the organisation's view: the names
and the amount as it was sent them, the dossier's state, dates and plan, and what waits there). Lists, counts and
exports filter, sort and count on nothing else, so they never read a dossier's JSON to find its rows (see
visibility.Entries)."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import clock
from ..dossiers.models import Dossier, DossierAccess
from ..dossiers.visibility import task_of
from .search import search_columns

COPIED = ("kind", "state", "updated_at", "submitted_on", "submitted_late", "campaign_id", "phase_id",
          "granted_amount_vnd")


def refresh_entries(dossier: Dossier) -> None:
    for name, value in search_columns(dossier.kind, dossier.data).items():
        setattr(dossier, name, value)
    dossier.requested_amount_vnd = _amount(dossier.requested_amount)
    for access in dossier.access:
        access.union_id = dossier.organisation_id
        for name in COPIED:
            setattr(access, name, getattr(dossier, name))
        access.task = task_of(dossier, access.organisation_id)
        sent = access.sent_event.data_snapshot if access.sent_event is not None else None
        for name, value in search_columns(dossier.kind, sent).items():
            setattr(access, name, value)
        access.requested_amount_vnd = _amount(dossier.kind_spec.requested_amount(sent or {}))


def _amount(value) -> int | None:
    return value if type(value) is int else None  # noqa: E721 (a bool is no amount)


@event.listens_for(Session, "before_flush")
def _refresh_entries(session, flush_context, instances):
    changed: dict[int, Dossier] = {}
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, Dossier):
                if obj in session.new or session.is_modified(obj, include_collections=False):
                    obj.updated_at = clock.utcnow()  # set here, not at the UPDATE, for the entries to copy it
                changed[id(obj)] = obj
            elif isinstance(obj, DossierAccess) and obj.dossier is not None:
                changed[id(obj.dossier)] = obj.dossier
        for dossier in changed.values():
            refresh_entries(dossier)
