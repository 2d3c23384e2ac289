"""JSON API v1: the plans a user may report on, and a plan's report (the figures of the report page)."""
from __future__ import annotations

from flask import g, request
from flask_babel import gettext

from ..reports.figures import Figures, report
from ..reports.scope import reportable_campaigns, scope_for
from . import bp
from .routes import error, token_required
from .serializers import iso, org_ref


def campaign_json(campaign) -> dict:
    return {"id": campaign.id, "title": campaign.title, "plan_number": campaign.plan_number,
            "plan_date": iso(campaign.plan_date), "issuer": org_ref(campaign.issuer), "kinds": list(campaign.kinds),
            "phases": [{"id": p.id, "name": p.name, "starts_on": iso(p.starts_on), "ends_on": iso(p.ends_on)}
                       for p in campaign.phases]}


@bp.get("/campaigns")
@token_required
def list_campaigns():
    return {"campaigns": [campaign_json(c) for c in reportable_campaigns(g.api_user)]}


@bp.get("/campaigns/<int:campaign_id>/report")
@token_required
def campaign_report(campaign_id: int):
    scope, errors = scope_for(g.api_user, campaign_id, request.args, iso_dates=True)
    if errors:
        return error(422, gettext("Bộ lọc không hợp lệ."), {key: [message] for key, message in errors.items()})
    figures = report(scope)
    groups = {group.id: group for group in figures.groups}

    def unit(group_id: int) -> dict:
        group = groups[group_id]
        return {"id": None if group.is_other_units else group.id, "name": group.label}

    def row(figures_: Figures, **names) -> dict:
        return {**names, **figures_.as_json()}

    return {
        "campaign": campaign_json(scope.campaign),
        "organisation": {"id": figures.organisation.id, "name": figures.organisation.name},
        "phase": scope.phase.id if scope.phase else None, "kind": scope.kind,
        "from": iso(scope.submitted_from), "to": iso(scope.submitted_to),
        "rows": [row(cell, organisation=unit(group.id), kind=kind) for group, kind, cell in figures.rows()],
        "by_kind": [row(figures.by_kind[kind], kind=kind) for kind in figures.kinds],
        "by_organisation": [row(figures.by_group[group.id], organisation=unit(group.id))
                            for group in figures.groups],
        "totals": figures.total.as_json(),
        "days_at_level": [{"kind": kind, "level": level, "median_days": days.median, "dossiers": days.dossiers}
                          for kind, levels in figures.days_at_level.items() for level, days in levels.items()],
        "submissions_by_day": [{"date": iso(day), "count": count} for day, count in figures.submissions_by_day],
    }
