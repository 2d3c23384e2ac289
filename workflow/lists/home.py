""""What do I have to do now", per role: the queries behind the home pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from .. import clock
from ..campaigns.models import Campaign
from ..campaigns.service import campaigns_for
from ..dossiers.models import Batch, Dossier, DossierAccess, DossierEvent, DossierStep, batch_dossier
from ..dossiers.visibility import batch_condition, entries_of, viewer_of
from ..extensions import db
from ..orgs.models import Organisation
from ..states import STATES
from .query import LIST_COUNT_LIMIT, Count, counted, read_rows, rows_of, union_ids, up_to

SHOWN = 20  # rows per section; "see all" opens the filtered list
TO_FINISH_SHOWN = 50  # the union's drafts and returned dossiers: the returned ones first, then the oldest drafts
TO_FORWARD_SHOWN = 500  # what one click sends up in one batch, under one Tờ trình
# Counts on the home pages stop where the list's do ("hơn 1.000"): each reads its entries from an index range, which
# at a million dossiers holds up to 500,000 of them (what a province accepted), and a page shows dozens.
COUNT_LIMIT = LIST_COUNT_LIMIT


@dataclass
class Waiting:
    dossier: Dossier
    days: int  # since submitted / arrived
    overdue: bool
    reason: str | None = None  # for a returned dossier: why
    decides: bool = False  # waiting for a decision (not a review)
    came_from: str | None = None  # who sent it here: the level below, the union, or above after a referral back


def _up_to_limit(entries, *conditions, correlate=None):
    """A scalar subquery: how many of the entries match, counted up to COUNT_LIMIT + 1."""
    return up_to(COUNT_LIMIT, entries, *conditions, correlate=correlate)


def _counted(value: int) -> Count:
    return counted(value, COUNT_LIMIT)


def _listed(entries, *conditions, order, limit=SHOWN) -> list[Dossier]:
    """Rows with what a home row shows beside read_rows': for an upper organisation the route (where it came
    from, where it goes) and what it was sent (data_of; a union reads its own data)."""
    ids = sa.select(entries.dossier_id).where(entries.condition, *conditions).order_by(*order).limit(limit)
    also = []
    if entries.table is DossierAccess:
        also = [selectinload(Dossier.steps), selectinload(Dossier.access).joinedload(DossierAccess.sent_event)]
    return read_rows(ids, also=also)


def _count_by_state(entries) -> dict[str, Count]:
    """Per state, up to COUNT_LIMIT, in one query (one index range per state)."""
    row = db.session.execute(sa.select(*(_up_to_limit(entries, entries.state == state).label(state)
                                         for state in STATES))).one()
    return {state: _counted(count) for state, count in zip(STATES, row, strict=True) if count}


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


def _overdue(entries, unfinished, today: date) -> Count:
    """How many of the union's unfinished dossiers answer a plan whose deadline has passed (_deadline_of: no
    phase open today and the last one ended), up to COUNT_LIMIT."""
    plan_ids = sa.select(entries.campaign_id).where(entries.condition, unfinished,
                                                   entries.campaign_id.is_not(None)).distinct()
    plans = db.session.scalars(sa.select(Campaign).where(Campaign.id.in_(plan_ids))
                               .options(selectinload(Campaign.phases))).all()
    passed = [plan.id for plan in plans if plan.phases and not plan.open_phase(today)
              and today > plan.phase_for(today).ends_on]
    if not passed:
        return Count(0)
    return _counted(db.session.scalar(sa.select(_up_to_limit(entries, unfinished,
                                                             entries.campaign_id.in_(passed)))))


def officer_home(user) -> dict:
    today = clock.today()
    entries = entries_of(viewer_of(user))
    newest_first = [entries.updated_at.desc(), entries.dossier_id.desc()]
    to_finish = []
    ids: list[int] = []
    for state in ("returned", "draft"):  # one index range each, in id order (ix_dossier_org_state)
        if len(ids) < TO_FINISH_SHOWN:
            ids += db.session.scalars(sa.select(entries.dossier_id)
                                      .where(entries.condition, entries.state == state)
                                      .order_by(entries.dossier_id).limit(TO_FINISH_SHOWN - len(ids))).all()
    editable = rows_of(ids)
    reasons = _last_reasons([d for d in editable if d.state == "returned"], ("return",))
    for d in editable:
        deadline = _deadline_of(d, today)
        to_finish.append(Waiting(d, (deadline - today).days if deadline else 0, bool(deadline and today > deadline),
                                 reasons.get(d.id)))
    outcome_states = ("submitted", "approved", "forwarded", "accepted", "rejected", "closed")
    sent = _listed(entries, entries.state.in_(outcome_states), order=newest_first)
    decision_reasons = _last_reasons([d for d in sent if d.state in ("rejected", "closed")], ("reject", "close"))
    campaigns = [c for c in campaigns_for(user.organisation) if c.final_deadline and c.final_deadline >= today]
    counts = _count_by_state(entries)
    unfinished = counts.get("returned", Count(0)) + counts.get("draft", Count(0))
    return {"to_finish": to_finish, "unfinished": unfinished, "sent": sent, "decision_reasons": decision_reasons,
            "counts": counts, "campaigns": campaigns, "today": today,
            "overdue": _overdue(entries, entries.state.in_(("draft", "returned")), today)}


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

    def how_many(*conditions):
        return sa.select(sa.func.count()).select_from(entries.table).where(entries.condition, *conditions) \
            .scalar_subquery()

    # In one query, each an index range of ix_dossier_access_task: everything waiting, and the overdue reviews
    # and decisions (one range per task: an OR of the two would read the whole queue).
    queue_total, late_decisions, late_reviews = db.session.execute(sa.select(
        how_many(in_queue),
        how_many(entries.task == "decide", entries.arrived_on < today - timedelta(days=decision_due)),
        how_many(entries.task == "review", entries.arrived_on < today - timedelta(days=review_due)))).one()
    overdue = late_decisions + late_reviews
    by_kind: dict[str, list[ToForward]] = {}
    for row in _to_forward(entries):
        by_kind.setdefault(row.kind, []).append(row)
    batches = db.session.scalars(
        sa.select(Batch).where(batch_condition(viewer), Batch.recipient_id.in_(viewer.org_ids))
        .order_by(Batch.id.desc()).limit(SHOWN)
        .options(selectinload(Batch.organisation), selectinload(Batch.document))).all()
    progress = _received_progress(batches, entries)
    received = [(b, progress[b.id]) for b in batches]
    pending = sorted(((b, p, (today - b.document.issued_on).days) for b, p in received if p["pending"]),
                     key=lambda row: row[0].id)
    # Counts per union and state, each up to COUNT_LIMIT from one range of ix_dossier_access_counts: the unions
    # found one index probe each, their names, then the totals per union and per state.
    found = union_ids(entries).subquery()
    per_union = db.session.execute(sa.select(found.c.union_id, Organisation.name, *(
        _up_to_limit(entries, entries.union_id == found.c.union_id, entries.state == state, correlate=found)
        .label(state) for state in STATES)).join(Organisation, Organisation.id == found.c.union_id)).all()
    unions: dict[int, dict] = {}
    counts: dict[str, Count] = {}
    for union_id, name, *cells in per_union:
        row = unions[union_id] = {"id": union_id, "name": name, "total": Count(0)}
        for state, count in zip(STATES, cells, strict=True):
            if count:
                row[state] = _counted(count)
                row["total"] += row[state]
                counts[state] = counts.get(state, Count(0)) + row[state]
    return {"queue": queue, "queue_total": queue_total, "approved_by_kind": by_kind, "received": received,
            "pending": pending, "unions": sorted(unions.values(), key=lambda row: row["name"]), "counts": counts,
            "review_due": review_due, "decision_due": decision_due, "today": today, "overdue": overdue}


def _received_progress(batches: list[Batch], entries) -> dict[int, dict]:
    """Per batch received, how many dossiers it brought and how many of them still wait for the recipient's first
    step (Batch.outcome "pending": the last event of the dossier other than a move to a successor is the forward
    that put it in this batch, the only event that names a batch), counted in the database: received batches at a
    million dossiers hold thousands, whose whole histories batches.operations.progress_of would read. Only a
    dossier waiting here now (the viewer's entry has a review or a decision to make: where the forward left it, or
    the successor it was moved to) can be pending; the last event is read for those alone."""
    if not batches:
        return {}
    member = batch_dossier.c
    last_batch = (sa.select(DossierEvent.batch_id)
                  .where(DossierEvent.dossier_id == member.dossier_id, DossierEvent.event != "transfer")
                  .order_by(DossierEvent.id.desc()).limit(1).scalar_subquery())  # ix_dossier_event_trail
    waiting = sa.and_(entries.condition, entries.dossier_id == member.dossier_id,
                      entries.task.in_(("review", "decide")))
    rows = db.session.execute(
        sa.select(member.batch_id, sa.func.count(),
                  sa.func.sum(sa.case((entries.dossier_id.is_(None), 0), (last_batch == member.batch_id, 1), else_=0)))
        .select_from(batch_dossier).outerjoin(entries.table, waiting)
        .where(member.batch_id.in_([b.id for b in batches])).group_by(member.batch_id)).all()
    found = {batch_id: {"total": total, "pending": pending or 0} for batch_id, total, pending in rows}
    return {b.id: found.get(b.id, {"total": 0, "pending": 0}) for b in batches}


@dataclass
class ToForward:
    """An approved dossier waiting at the organisation to be sent up, as its form lists it."""
    id: int
    version: int
    kind: str
    subject: str  # as the organisation was sent it (its entry's)
    union: str
    to: str  # the next level on its route


def _to_forward(entries) -> list[ToForward]:
    """What the organisation approved and has to send up, by kind then oldest submission, as plain rows: the
    form shows a line per dossier (up to TO_FORWARD_SHOWN, one batch's worth), which reads no dossier's JSON."""
    union, after, to = aliased(Organisation), aliased(DossierStep), aliased(Organisation)
    rows = db.session.execute(
        sa.select(entries.dossier_id, Dossier.version, entries.kind, entries.subject, union.name, to.name)
        .join(Dossier, Dossier.id == entries.dossier_id).join(union, union.id == Dossier.organisation_id)
        .join(after, sa.and_(after.dossier_id == Dossier.id, after.position == Dossier.position + 1))
        .join(to, to.id == after.organisation_id)
        .where(entries.condition, entries.task == "forward")
        .order_by(entries.kind, entries.submitted_on, entries.dossier_id).limit(TO_FORWARD_SHOWN)).all()
    return [ToForward(*row) for row in rows]


HOMES = {"officer": officer_home, "staff": staff_home}
