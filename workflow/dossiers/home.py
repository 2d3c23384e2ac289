""""What do I have to do now", per role: the queries behind the home pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import load_only, selectinload

from .. import clock
from ..campaigns.service import campaigns_for
from ..extensions import db
from ..orgs.models import Organisation
from .listing import visible_in_unions
from .models import Batch, Dossier, DossierEvent
from .operations import received_batches

SHOWN = 20  # rows per section; "see all" opens the filtered list


@dataclass
class Waiting:
    dossier: Dossier
    days: int  # since submitted / forwarded
    overdue: bool
    reason: str | None = None  # for a returned dossier: why


def _mine(user, *conditions, order=None, limit=SHOWN):
    query = (sa.select(Dossier).where(visible_in_unions(user), *conditions)
             .options(selectinload(Dossier.organisation), selectinload(Dossier.campaign),
                      selectinload(Dossier.phase), selectinload(Dossier.batches))
             .order_by(*(order or [Dossier.updated_at.desc(), Dossier.id.desc()])).limit(limit))
    return db.session.scalars(query).all()


def _count_by_state(user) -> dict[str, int]:
    rows = db.session.execute(sa.select(Dossier.state, sa.func.count()).where(visible_in_unions(user))
                              .group_by(Dossier.state)).all()
    return dict(rows)


def _deadline_of(dossier: Dossier, today: date) -> date | None:
    """The deadline a dossier not yet submitted is working towards: its plan's open phase, else the last one."""
    campaign = dossier.campaign
    if campaign is None or not campaign.phases:
        return None
    phase = campaign.open_phase(today) or campaign.phase_for(today)
    return phase.ends_on


def _last_reasons(dossiers: list[Dossier], event: str) -> dict[int, str | None]:
    if not dossiers:
        return {}
    rows = db.session.execute(sa.select(DossierEvent.dossier_id, DossierEvent.comment)
                              .where(DossierEvent.dossier_id.in_([d.id for d in dossiers]), DossierEvent.event == event)
                              .order_by(DossierEvent.id)).all()
    return {dossier_id: comment for dossier_id, comment in rows}  # the last one wins


def officer_home(user) -> dict:
    today = clock.today()
    to_finish = []
    editable = _mine(user, Dossier.state.in_(("draft", "returned")), order=[Dossier.state.desc(), Dossier.id.asc()],
                     limit=200)
    reasons = _last_reasons([d for d in editable if d.state == "returned"], "return")
    for d in editable:
        deadline = _deadline_of(d, today)
        to_finish.append(Waiting(d, (deadline - today).days if deadline else 0, bool(deadline and today > deadline),
                                 reasons.get(d.id)))
    outcome_states = ("submitted", "approved", "forwarded", "accepted", "rejected")
    sent = _mine(user, Dossier.state.in_(outcome_states))
    decision_reasons = _last_reasons([d for d in sent if d.state == "rejected"], "reject")
    campaigns = [c for c in campaigns_for(user.organisation) if c.final_deadline and c.final_deadline >= today]
    return {"to_finish": to_finish, "sent": sent, "decision_reasons": decision_reasons,
            "counts": _count_by_state(user), "campaigns": campaigns, "today": today,
            "overdue": sum(1 for w in to_finish if w.overdue)}


def reviewer_home(user) -> dict:
    today = clock.today()
    due = current_app.config["REVIEW_DUE_DAYS"]
    queue = [Waiting(d, (today - d.submitted_on).days, (today - d.submitted_on).days > due)
             for d in _mine(user, Dossier.state == "submitted",
                            order=[Dossier.submitted_on.asc(), Dossier.id.asc()], limit=SHOWN)]
    approved = _mine(user, Dossier.state == "approved", order=[Dossier.kind, Dossier.submitted_on, Dossier.id],
                     limit=500)
    by_kind: dict[str, list[Dossier]] = {}
    for d in approved:
        by_kind.setdefault(d.kind, []).append(d)
    per_union = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Dossier.state, sa.func.count())
        .join(Dossier, Dossier.organisation_id == Organisation.id).where(visible_in_unions(user))
        .group_by(Organisation.id, Organisation.name, Dossier.state).order_by(Organisation.name)).all()
    unions: dict[int, dict] = {}
    for org_id, name, state, count in per_union:
        row = unions.setdefault(org_id, {"id": org_id, "name": name, "total": 0})
        row[state] = count
        row["total"] += count
    counts = _count_by_state(user)
    overdue = db.session.scalar(sa.select(sa.func.count()).select_from(Dossier).where(
        visible_in_unions(user), Dossier.state == "submitted",
        Dossier.submitted_on < date.fromordinal(today.toordinal() - due)))
    return {"queue": queue, "queue_total": counts.get("submitted", 0), "approved_by_kind": by_kind,
            "unions": list(unions.values()), "counts": counts, "due_days": due, "overdue": overdue, "today": today}


def liaison_home(user) -> dict:
    today = clock.today()
    due = current_app.config["DECISION_DUE_DAYS"]
    # The batches received, as in received_batches, with no more of their dossiers than progress() reads: their
    # states and batches (not their data nor their history, some thousand rows and JSON snapshots for 20 batches).
    dossiers = selectinload(Batch.dossiers).options(load_only(Dossier.id, Dossier.state, Dossier.version),
                                                    selectinload(Dossier.batches))
    batches = db.session.scalars(
        sa.select(Batch).where(received_batches(user).whereclause).order_by(Batch.id.desc()).limit(SHOWN)
        .options(dossiers, selectinload(Batch.organisation), selectinload(Batch.document))).all()
    pending = []
    for batch in batches:
        progress = batch.progress()
        if progress["pending"]:
            days = (today - batch.document.issued_on).days if batch.document else 0
            pending.append((batch, progress, days, days > due))
    pending.sort(key=lambda row: row[0].id)  # oldest first
    return {"batches": [(b, b.progress()) for b in batches], "pending": pending, "counts": _count_by_state(user),
            "due_days": due, "overdue": sum(1 for row in pending if row[3]), "today": today}


HOMES = {"officer": officer_home, "reviewer": reviewer_home, "liaison": liaison_home}
