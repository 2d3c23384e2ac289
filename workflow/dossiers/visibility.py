"""Who sees what, written once (every list, page, search column, export, bundle, notification and API read asks
here).

- The owning union sees its dossiers, drafts included, as they are now.
- Any other organisation sees a dossier once the dossier has reached it (it was submitted or forwarded to it, or
  moved to it when the organisation it waited at ended), and keeps seeing it; it sees the data and files as they
  were last sent to it: the snapshot and round of that submit or forward (dossier_access.sent_event).
- An organisation that took over another (its successor) sees what that one saw: the ending gives it an access
  row for every dossier the ended one had (restructuring), and its batches (predecessor_ids).
- An organisation's report on a plan is for it and for the parent it sent it to.
- Nobody else sees anything: another union or federation gets 404, never someone else's data.

Lists read the same rule as SQL from a viewer's entries: a union's own dossiers, or an upper organisation's
access rows, which carry the list columns (lists/entries.py keeps them).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..orgs.tree import predecessor_ids
from ..states import WAITING_STATES
from .models import Batch, Dossier, DossierAccess, DossierEvent


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the organisations whose view they have (their own and those it took over), and whether
    they look as the owning union (an officer) or as an upper organisation (staff)."""

    org_ids: tuple[int, ...]  # its own first
    owner_side: bool

    @property
    def org_id(self) -> int:
        return self.org_ids[0]


def viewer_of(user) -> Viewer | None:
    """None for a user who sees no dossier (an admin, the server's operator)."""
    if getattr(user, "role", None) not in ("officer", "staff") or user.organisation_id is None:
        return None
    return Viewer(predecessor_ids(user.organisation_id), user.role == "officer")


def viewer_for(org_id: int, *, owner_side: bool) -> Viewer:
    return Viewer(predecessor_ids(org_id), owner_side)


# --- as SQL, for lists --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entries:
    """Where a viewer's lists, counts and exports read: a table whose rows are the dossiers the viewer sees,
    with the list columns under the same names in both (kind, state, updated_at, submitted_on, submitted_late,
    campaign_id, phase_id, subject, search_text, citizen_id, and for a plan's report requested_amount_vnd and
    granted_amount_vnd).

    A union reads its own dossiers (Dossier, as they are now). An upper organisation reads its own access rows,
    one per dossier that reached it, their names as it was sent them; so its list is one range of an index in
    the order asked, however many dossiers reached it. Its own rows only: an organisation that took over another
    was given rows for all that one had seen, and reading both would list a dossier twice."""

    table: type
    dossier_id: sa.ColumnElement
    union_id: sa.ColumnElement
    condition: sa.ColumnElement
    waiting: sa.ColumnElement  # waiting at the viewer's organisation now (to review, decide or forward)

    def __getattr__(self, name):  # entries.updated_at, entries.subject, ...: the table's list columns
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.table, name)


def entries_of(viewer: Viewer | None) -> Entries:
    if viewer is not None and not viewer.owner_side:
        return Entries(DossierAccess, DossierAccess.dossier_id, DossierAccess.union_id,
                       DossierAccess.organisation_id == viewer.org_id, DossierAccess.task.is_not(None))
    seen = Dossier.organisation_id.in_(viewer.org_ids) if viewer is not None else sa.false()
    return Entries(Dossier, Dossier.id, Dossier.organisation_id, seen, sa.false())


def task_of(dossier: Dossier, org_id: int) -> str | None:
    """What waits at the organisation now: a review, a decision, or sending it up (approved here)."""
    if dossier.state not in WAITING_STATES or dossier.current_org_id != org_id:
        return None
    if dossier.state == "approved":
        return "forward"
    return "decide" if dossier.current_step_decides else "review"


# --- one dossier ------------------------------------------------------------------------------------------

def access_of(viewer: Viewer | None, dossier: Dossier) -> DossierAccess | None:
    """The viewer's access row: of the organisations it speaks for, the one sent the dossier last."""
    if viewer is None or viewer.owner_side:
        return None
    rows = [a for a in dossier.access if a.organisation_id in viewer.org_ids]
    return max(rows, key=lambda a: a.sent_event_id) if rows else None


def can_see(viewer: Viewer | None, dossier: Dossier) -> bool:
    if viewer is None:
        return False
    if viewer.owner_side:
        return dossier.organisation_id in viewer.org_ids
    return access_of(viewer, dossier) is not None


def is_owner(viewer: Viewer | None, dossier: Dossier) -> bool:
    return viewer is not None and viewer.owner_side and dossier.organisation_id in viewer.org_ids


def sent_event(viewer: Viewer | None, dossier: Dossier) -> DossierEvent | None:
    """The submit or forward whose snapshot the viewer reads (None for the owner, who reads the live data)."""
    access = access_of(viewer, dossier)
    return access.sent_event if access else None


def data_seen(viewer: Viewer | None, dossier: Dossier) -> dict:
    if is_owner(viewer, dossier):
        return dossier.data
    event = sent_event(viewer, dossier)
    return (event.data_snapshot or {}) if event else {}


def data_seen_of(viewer: Viewer | None, dossiers) -> dict[int, dict]:
    """data_seen for many dossiers at once (a list, an export): for an upper organisation, the snapshots it was
    sent in one query, without loading any access row or event."""
    dossiers = list(dossiers)
    if viewer is None or not dossiers:
        return {d.id: {} for d in dossiers}
    if viewer.owner_side:
        return {d.id: dict(d.data or {}) if is_owner(viewer, d) else {} for d in dossiers}
    seen: dict[int, dict] = {d.id: {} for d in dossiers}
    for dossier_id, snapshot in db.session.execute(
            sa.select(DossierAccess.dossier_id, DossierEvent.data_snapshot)
            .join(DossierEvent, DossierEvent.id == DossierAccess.sent_event_id)
            .where(DossierAccess.dossier_id.in_(seen), DossierAccess.organisation_id.in_(viewer.org_ids))
            .order_by(DossierAccess.sent_event_id)):
        seen[dossier_id] = snapshot or {}  # of the organisations it speaks for, the last one sent wins (access_of)
    return seen


def round_seen(viewer: Viewer | None, dossier: Dossier) -> int:
    """The owner sees every round (and its unsent edits); another organisation the rounds sent to it."""
    if is_owner(viewer, dossier):
        return dossier.round
    event = sent_event(viewer, dossier)
    return event.round if event else 0


def attachments_seen(viewer: Viewer | None, dossier: Dossier) -> list:
    if is_owner(viewer, dossier):
        return list(dossier.attachments)
    last_round = round_seen(viewer, dossier)
    return [a for a in dossier.attachments if a.round <= last_round]


def documents_seen(viewer: Viewer | None, dossier: Dossier) -> list:
    """The dossier's documents the viewer may read: all of them for its union; for another organisation those of
    the rounds it was sent (a later round's papers print data it has not been sent)."""
    if is_owner(viewer, dossier):
        return list(dossier.documents)
    if not can_see(viewer, dossier):
        return []
    last_round = round_seen(viewer, dossier)
    rounds = {row.document_id: row.round for row in dossier.events if row.document_id is not None}
    return [d for d in dossier.documents if rounds.get(d.id, 0) <= last_round]


def sent_in_batch(dossier: Dossier, batch) -> DossierEvent | None:
    """The forward that put the dossier in the batch: what the batch's recipient was sent."""
    return next((row for row in dossier.events if row.event == "forward" and row.batch_id == batch.id), None)


# --- the user's view, for pages and the API -----------------------------------------------------------------

def can_view(user, dossier: Dossier) -> bool:
    return can_see(viewer_of(user), dossier)


def data_seen_by(user, dossier: Dossier) -> dict:
    return data_seen(viewer_of(user), dossier)


def attachments_seen_by(user, dossier: Dossier) -> list:
    return attachments_seen(viewer_of(user), dossier)


def round_seen_by(user, dossier: Dossier) -> int:
    return round_seen(viewer_of(user), dossier)


def batch_condition(viewer: Viewer | None):
    """A condition on Batch: the batches the viewer's organisation sent or received. A batch lists several
    unions' members: it is for those two levels only."""
    if viewer is None or viewer.owner_side:
        return sa.false()
    return sa.or_(Batch.organisation_id.in_(viewer.org_ids), Batch.recipient_id.in_(viewer.org_ids))


def can_view_batch(user, batch) -> bool:
    viewer = viewer_of(user)
    return (viewer is not None and not viewer.owner_side
            and (batch.organisation_id in viewer.org_ids or batch.recipient_id in viewer.org_ids))


def received(user, batch) -> bool:
    """The batch was sent to the user's organisation (or one it took over): its dossiers are decided there."""
    viewer = viewer_of(user)
    return viewer is not None and not viewer.owner_side and batch.recipient_id in viewer.org_ids


def documents_seen_by(user, dossier: Dossier) -> list:
    return documents_seen(viewer_of(user), dossier)


def can_download(user, document) -> bool:
    if document.dossiers:
        # A decision on several dossiers goes to every union it names, as its "Nơi nhận" says.
        viewer = viewer_of(user)
        return any(document in documents_seen(viewer, dossier) for dossier in document.dossiers)
    if document.batch is not None:
        return can_view_batch(user, document.batch)
    return can_read_report(user, document)


def can_read_report(user, document) -> bool:
    """An organisation's report on a plan (reports/official.py): for it and for the parent it was sent to."""
    from ..reports.models import CampaignReport  # the reports sit above the dossiers

    viewer = viewer_of(user)
    sent = db.session.scalar(sa.select(CampaignReport).where(CampaignReport.document_id == document.id))
    return (viewer is not None and sent is not None
            and (sent.organisation_id in viewer.org_ids or sent.recipient_id in viewer.org_ids))
