"""The plans that apply to the user's organisation, their phases and deadlines, and how many dossiers answer them."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import clock
from ..dossiers.models import Dossier
from ..dossiers.visibility import viewer_of, visible_condition
from ..extensions import db
from .service import campaigns_for

bp = Blueprint("campaigns", __name__)


@bp.get("/campaigns")
@login_required
def index():
    campaigns = campaigns_for(current_user.organisation)
    counts = {}
    if campaigns:
        rows = db.session.execute(
            sa.select(Dossier.campaign_id, Dossier.submitted_late, sa.func.count())
            .where(visible_condition(viewer_of(current_user)), Dossier.campaign_id.in_([c.id for c in campaigns]))
            .group_by(Dossier.campaign_id, Dossier.submitted_late)).all()
        for campaign_id, late, count in rows:
            entry = counts.setdefault(campaign_id, {"total": 0, "late": 0})
            entry["total"] += count
            entry["late"] += count if late else 0
    return render_template("campaigns/index.html", campaigns=campaigns, counts=counts, today=clock.today())
