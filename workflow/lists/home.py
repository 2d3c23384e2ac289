""""What do I have to do now", per role: the queries behind the home pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from .. import clock
from ..batches.operations import progress_of
from ..campaigns.service import campaigns_for
from ..dossiers.models import Batch, Dossier, DossierAccess, DossierEvent
from ..dossiers.visibility import batch_condition, entries_of, viewer_of
from ..extensions import db
from ..orgs.models import Organisation
from .query import read_rows

SHOWN = 20  # rows per section; "see all" opens the filtered list


@dataclass
class Waiting:
    dossier: Dossier
    days: int  # since submitted / arrived
    overdue: bool
    reason: str | None = None  # for a returned dossier: why
    decides: bool = False  # waiting for a decision (not a review)
    came_from: str | None = None  # who sent it here: the level below, the union, or above after a referral back


def _listed(entries, *conditions, order, limit=SHOWN) -> list[Dossier]:
    """Rows with what a home row shows beside read_rows': for an upper organisation the route (where it came
    from, where it goes) and what it was sent (data_of; a union reads its own data)."""
    ids = sa.select(entries.dossier_id).where(entries.condition, *conditions).order_by(*order).limit(limit)
    also = []
    if entries.table is DossierAccess:
        also = [selectinload(Dossier.steps), selectinload(Dossier.access).joinedload(DossierAccess.sent_event)]
    return read_rows(ids, also=also)


def _count_by_state(entries) -> dict[str, int]:
    return dict(db.session.execute(sa.select(entries.state, sa.func.count()).where(entries.condition)
                                   .group_by(entries.state)).all())


def _deadline_of(dossier: Dossier, today: date) -> date | None:
    """The deadline a dossier not yet submitted is working towards: its plan's open phase, else the last one."""
    campaign = dossier.campaign
    if campaign is None or not campaign.phases:
        return None
    phase = campaign.open_phase(today) or campaign.phase_for(today)
    return phase.ends_on


def _last_reasons(dossiers: list[Dossier], events: tuple[str, ...]) -> dict[int, str | None]:
    if not dossiers:
        return {}
    rows = db.session.execute(sa.select(DossierEvent.dossier_id, DossierEvent.comment)
                              .where(DossierEvent.dossier_id.in_([d.id for d in dossiers]),
                                     DossierEvent.event.in_(events))
                              .order_by(DossierEvent.id)).all()
    return {dossier_id: comment for dossier_id, comment in rows}  # the last one wins


def _last_senders(dossiers: list[Dossier], viewer) -> dict[int, str]:
    """Who moved each dossier last, when another organisation did (a submission, a forward, a referral back);
    a move to it as a successor counts as its sender's: the level before it on the route, or the union."""
    if not dossiers:
        return {}
    last = (sa.select(sa.func.max(DossierEvent.id))
            .where(DossierEvent.dossier_id.in_([d.id for d in dossiers]), DossierEvent.event != "transfer")
            .group_by(DossierEvent.dossier_id))
    rows = dict(db.session.execute(sa.select(DossierEvent.dossier_id, Organisation.name)
                                   .join(Organisation, Organisation.id == DossierEvent.organisation_id)
                                   .where(DossierEvent.id.in_(last),
                                          DossierEvent.organisation_id.not_in(viewer.org_ids))).all())
    for d in dossiers:
        rows.setdefault(d.id, d.route_steps[d.position - 1].organisation.name if d.position else d.organisation.name)
    return rows


def officer_home(user) -> dict:
    today = clock.today()
    entries = entries_of(viewer_of(user))
    newest_first = [entries.updated_at.desc(), entries.dossier_id.desc()]
    to_finish = []
    editable = _listed(entries, entries.state.in_(("draft", "returned")),
                       order=[entries.state.desc(), entries.dossier_id.asc()], limit=200)
    reasons = _last_reasons([d for d in editable if d.state == "returned"], ("return",))
    for d in editable:
        deadline = _deadline_of(d, today)
        to_finish.append(Waiting(d, (deadline - today).days if deadline else 0, bool(deadline and today > deadline),
                                 reasons.get(d.id)))
    outcome_states = ("submitted", "approved", "forwarded", "accepted", "rejected", "closed")
    sent = _listed(entries, entries.state.in_(outcome_states), order=newest_first)
    decision_reasons = _last_reasons([d for d in sent if d.state in ("rejected", "closed")], ("reject", "close"))
    campaigns = [c for c in campaigns_for(user.organisation) if c.final_deadline and c.final_deadline >= today]
    return {"to_finish": to_finish, "sent": sent, "decision_reasons": decision_reasons,
            "counts": _count_by_state(entries), "campaigns": campaigns, "today": today,
            "overdue": sum(1 for w in to_finish if w.overdue)}


def staff_home(user) -> dict:
    """An upper organisation's day, whatever its level: what waits at it for a review or a decision (oldest
    first), what it approved and has to send up (by kind, each with a "send the ticked ones" form), the batches
    it received with dossiers still waiting, and its dossiers per grassroots union."""
    today = clock.today()
    viewer = viewer_of(user)
    entries = entries_of(viewer)
    review_due, decision_due = current_app.config["REVIEW_DUE_DAYS"], current_app.config["DECISION_DUE_DAYS"]
    in_queue = entries.task.in_(("review", "decide"))
    queue = []
    waiting = _listed(entries, in_queue, order=[entries.arrived_on, entries.dossier_id])
    senders = _last_senders(waiting, viewer)
    for dossier in waiting:
        entry = next(a for a in dossier.access if a.organisation_id == viewer.org_id)
        days, decides = (today - entry.arrived_on).days, entry.task == "decide"
        queue.append(Waiting(dossier, days, days > (decision_due if decides else review_due), decides=decides,
                             came_from=senders.get(dossier.id)))
    count = sa.select(sa.func.count()).select_from(entries.table).where(entries.condition, in_queue)
    queue_total = db.session.scalar(count)
    overdue = db.session.scalar(count.where(sa.or_(
        sa.and_(entries.task == "decide", entries.arrived_on < today - timedelta(days=decision_due)),
        sa.and_(entries.task == "review", entries.arrived_on < today - timedelta(days=review_due)))))
    approved = _listed(entries, entries.task == "forward",
                       order=[entries.kind, entries.submitted_on, entries.dossier_id], limit=500)
    by_kind: dict[str, list[Dossier]] = {}
    for d in approved:
        by_kind.setdefault(d.kind, []).append(d)
    batches = db.session.scalars(
        sa.select(Batch).where(batch_condition(viewer), Batch.recipient_id.in_(viewer.org_ids))
        .order_by(Batch.id.desc()).limit(SHOWN)
        .options(selectinload(Batch.organisation), selectinload(Batch.document))).all()
    progress = progress_of(batches)
    received = [(b, progress[b.id]) for b in batches]
    pending = sorted(((b, p, (today - b.document.issued_on).days) for b, p in received if p["pending"]),
                     key=lambda row: row[0].id)
    # Counts per union and state from the entries' index alone; the unions' names then, and the totals per state.
    per_union = db.session.execute(sa.select(entries.union_id, entries.state, sa.func.count()).where(entries.condition)
                                   .group_by(entries.union_id, entries.state)).all()
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_({union_id for union_id, _, _ in per_union}))).all())
    unions: dict[int, dict] = {}
    counts: dict[str, int] = {}
    for union_id, state, count in per_union:
        row = unions.setdefault(union_id, {"id": union_id, "name": names[union_id], "total": 0})
        row[state] = count
        row["total"] += count
        counts[state] = counts.get(state, 0) + count
    return {"queue": queue, "queue_total": queue_total, "approved_by_kind": by_kind, "received": received,
            "pending": pending, "unions": sorted(unions.values(), key=lambda row: row["name"]), "counts": counts,
            "review_due": review_due, "decision_due": decision_due, "today": today, "overdue": overdue}



HOMES = {"officer": officer_home, "staff": staff_home}
