"""Which plans a union answers, and where a submission falls in them."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from .. import clock
from ..errors import Invalid
from ..extensions import db
from ..orgs.tree import chain_on, taken_over
from .models import Campaign


def campaigns_for(organisation, kind: str | None = None) -> list[Campaign]:
    """Plans issued by the organisation or a federation above it today, or by one they took over (a merged
    province's plan runs on), for `kind` when given; newest first."""
    issuers = taken_over(org.id for org in chain_on(organisation, clock.today()))
    campaigns = db.session.scalars(sa.select(Campaign).where(Campaign.issuer_id.in_(issuers))
                                   .options(selectinload(Campaign.phases), selectinload(Campaign.issuer))
                                   .order_by(Campaign.plan_date.desc(), Campaign.id.desc())).all()
    return [c for c in campaigns if kind is None or c.covers(kind)]


def default_campaign(organisation, kind: str, on: date) -> Campaign | None:
    """The plan with a phase open today, if exactly one is."""
    open_now = [c for c in campaigns_for(organisation, kind) if c.open_phase(on)]
    return open_now[0] if len(open_now) == 1 else None


def check_campaign(organisation, kind: str, campaign_id) -> Campaign | None:
    if campaign_id in (None, ""):
        return None
    found = next((c for c in campaigns_for(organisation, kind)
                  if type(campaign_id) is int and c.id == campaign_id), None)  # noqa: E721 (not bool)
    if found is None:
        raise Invalid(gettext("Kế hoạch không hợp lệ."),
                      {"campaign_id": [gettext("Chọn một kế hoạch áp dụng cho đơn vị và loại hồ sơ này.")]})
    return found


def place_submission(dossier, on: date) -> None:
    """At the first submission: the phase it falls in, and whether that phase's deadline had passed."""
    if dossier.campaign is None or dossier.phase_id is not None:
        return
    phase = dossier.campaign.phase_for(on)
    if phase is not None:
        dossier.phase = phase
        dossier.submitted_late = on > phase.ends_on
