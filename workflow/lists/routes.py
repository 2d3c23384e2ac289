"""Pages: the home page per role, the list, its exports, the plans with how many dossiers answer them."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import defer, selectinload

from .. import clock
from ..campaigns.models import CampaignPhase
from ..campaigns.service import campaigns_for
from ..dossiers.models import Dossier
from ..dossiers.permissions import can_forward
from ..dossiers.visibility import data_seen_of, viewer_of
from ..extensions import db
from ..orgs.models import Organisation
from ..replica import reads_from_replica
from ..reports.scope import reportable_campaigns
from ..states import STATES
from . import export
from .home import HOMES
from .query import (
    LIST_COUNT_LIMIT,
    SORTS,
    ListFilters,
    counts_per_plan,
    filtered_ids,
    page_of,
    read_rows,
    unions_visible_to,
)

bp = Blueprint("lists", __name__)

EXPORT_LIMIT = 100_000


@bp.get("/")
@reads_from_replica
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role not in HOMES:
        return redirect(url_for("admin.rule_sets"))
    return render_template(f"home/{current_user.role}.html", **HOMES[current_user.role](current_user))


@bp.get("/dossiers")
@login_required
@reads_from_replica
def index():
    filters = ListFilters.from_args(request.args)
    page = page_of(filtered_ids(current_user, filters), request.args.get("page", 1, type=int),
                   current_app.config["PAGE_SIZE"], also=[selectinload(Dossier.steps)], count_limit=LIST_COUNT_LIMIT)
    return render_template("dossiers/list.html", items=page, seen=data_seen_of(viewer_of(current_user), page.items),
                           filters=filters, sorts=SORTS,
                           unions=unions_visible_to(current_user), campaigns=campaigns_for(current_user.organisation),
                           can_forward=can_forward(current_user),
                           can_wait=current_user.role == "staff", report_notes=report_notes(filters))


def report_notes(filters: ListFilters) -> list[str]:
    """The report's filters (a figure's link) the form does not show, in words."""
    notes = []
    if filters.phase_id and (phase := db.session.get(CampaignPhase, filters.phase_id)) is not None:
        notes.append(gettext(phase.name))
    if filters.under_id and (unit := db.session.get(Organisation, filters.under_id)) is not None:
        notes.append(gettext("thuộc %(name)s", name=unit.name))
    if filters.submitted_only:
        notes.append(gettext("đã nộp"))
    if filters.late is False:
        notes.append(gettext("nộp đúng hạn"))
    if len(filters.states) > 1:
        notes.append(", ".join(gettext(STATES[code]) for code in filters.states))
    return notes


@bp.get("/dossiers/export.<any(csv, xlsx):fmt>")
@login_required
def export_list(fmt):
    filters = ListFilters.from_args(request.args)
    viewer = viewer_of(current_user)
    # The rows' data as the reader was sent it (data_seen_of): a federation reads snapshots, not the rows' JSON.
    unread = [defer(Dossier.submitted_data)]
    if viewer is None or not viewer.owner_side:
        unread.append(defer(Dossier.data))
    dossiers = read_rows(filtered_ids(current_user, filters), limit=EXPORT_LIMIT, also=unread)
    body = export.to_csv(current_user, dossiers) if fmt == "csv" else export.to_xlsx(current_user, dossiers)
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=ho-so-{clock.today():%Y%m%d}.{fmt}"})


@bp.get("/campaigns")
@login_required
@reads_from_replica
def campaigns():
    """The plans that apply to the user's organisation, their phases and deadlines, and how many of the dossiers
    the user sees answer each (and how many late)."""
    plans = campaigns_for(current_user.organisation)
    reportable = reportable_campaigns(current_user)
    return render_template("campaigns/index.html", campaigns=plans, counts=counts_per_plan(current_user, plans),
                           today=clock.today(), may_report=bool(reportable),
                           plans_below=[plan for plan in reportable if plan not in plans])
