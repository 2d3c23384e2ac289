"""Plans (Kế hoạch) of the admin's subtree: the list, a plan's page with its audit rows, creating and editing."""
import re

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit.service import changes_of
from ..campaigns.models import Campaign
from ..campaigns.operations import create_campaign, locked_because, plan_issuers, plan_scope, update_campaign
from ..dossiers.kinds import KINDS
from ..errors import OperationError
from ..extensions import db
from ..formatting import format_date, parse_screen_date, parse_whole
from ..i18n import N_
from ..orgs.models import Organisation
from ..transaction import unit_of_work
from . import bp

EXTRA_ROWS = 3  # empty phase rows under those filled in: room to add phases without JavaScript
_PHASE_INPUT = re.compile(r"phases-([0-9]{1,2})-(name|starts_on|ends_on)")

# The fields of a plan as its audit rows name them (msgids).
FIELD_LABELS = {
    "title": N_("Tên kế hoạch"),
    "plan_number": N_("Số kế hoạch"),
    "plan_date": N_("Ngày ban hành"),
    "issuer_id": N_("Tổ chức ban hành"),
    "kinds": N_("Loại hồ sơ"),
    "phases": N_("Các đợt"),
}


@bp.get("/campaigns")
def campaigns():
    plans = db.session.scalars(
        sa.select(Campaign).where(Campaign.issuer_id.in_(plan_scope(current_user)))
        .options(selectinload(Campaign.phases), selectinload(Campaign.issuer))
        .order_by(Campaign.plan_date.desc(), Campaign.id.desc())).all()
    return render_template("admin/campaigns.html", campaigns=plans, today=clock.today())


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id):
    plan = _load(campaign_id)
    return render_template("admin/campaign.html", campaign=plan, today=clock.today(),
                           locked=locked_because(plan, clock.today()), changes=_changes(plan))


@bp.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    if request.method == "GET":
        issuers = plan_issuers(current_user)
        own = current_user.organisation_id if any(o.id == current_user.organisation_id for o in issuers) else None
        values = {"title": "", "plan_number": "", "plan_date": "", "issuer_id": str(own or ""), "kinds": [],
                  "phases": []}
        return _form(None, values, {})
    values = _posted(request.form)
    try:
        with unit_of_work():
            plan = create_campaign(current_user, **_arguments(values))
        flash(gettext("Đã tạo kế hoạch số %(number)s.", number=plan.plan_number), "success")
        return redirect(url_for(".campaign", campaign_id=plan.id))
    except OperationError as exc:
        return _form(None, values, exc.errors or {"": [exc.message]}, exc.status)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit_campaign(campaign_id):
    plan = _load(campaign_id)
    if request.method == "GET":
        if locked_because(plan, clock.today()):
            return redirect(url_for(".campaign", campaign_id=plan.id))  # its page says why
        return _form(plan, _shown(plan), {})
    values = _posted(request.form)
    try:
        with unit_of_work():
            update_campaign(current_user, plan, **_arguments(values))
        flash(gettext("Đã lưu kế hoạch."), "success")
        return redirect(url_for(".campaign", campaign_id=campaign_id))
    except OperationError as exc:
        return _form(plan, values, exc.errors or {"": [exc.message]}, exc.status)


def _load(campaign_id: int) -> Campaign:
    """The plan, if its issuer is one the admin administers; 404 otherwise (another federation's plans are not
    theirs to know about)."""
    plan = db.session.get(Campaign, campaign_id)
    if plan is None or plan.issuer_id not in plan_scope(current_user):
        abort(404)
    return plan


def _form(plan, values: dict, errors: dict, status: int = 200):
    rows = list(values["phases"]) + [{"name": "", "starts_on": "", "ends_on": ""}] * EXTRA_ROWS
    return render_template("admin/campaign_form.html", campaign=plan, values=values, rows=rows, errors=errors,
                           issuers=plan_issuers(current_user)), status


def _shown(plan: Campaign) -> dict:
    """The plan as the form shows it."""
    return {"title": plan.title, "plan_number": plan.plan_number, "plan_date": format_date(plan.plan_date),
            "issuer_id": str(plan.issuer_id), "kinds": list(plan.kinds or []),
            "phases": [{"name": p.name, "starts_on": format_date(p.starts_on), "ends_on": format_date(p.ends_on)}
                       for p in plan.phases]}


def _posted(form) -> dict:
    """What was typed, as text. Phase rows left empty are dropped, so that the rows shown again, and the errors'
    row numbers (phases.<i>.<field>), are those of the phases sent."""
    rows: dict[int, dict] = {}
    for key in form:
        if match := _PHASE_INPUT.fullmatch(key):
            rows.setdefault(int(match[1]), {})[match[2]] = form.get(key, "").strip()
    phases = [{field: row.get(field, "") for field in ("name", "starts_on", "ends_on")}
              for _, row in sorted(rows.items()) if any(row.values())]
    return {"title": form.get("title", ""), "plan_number": form.get("plan_number", ""),
            "plan_date": form.get("plan_date", "").strip(), "issuer_id": form.get("issuer_id", ""),
            "kinds": form.getlist("kinds"), "phases": phases}


def _day(text: str):
    """None when left empty; the text itself when it is no date, for the operation to say so."""
    return (parse_screen_date(text) or text) if text else None


def _arguments(values: dict) -> dict:
    return {"title": values["title"], "plan_number": values["plan_number"], "plan_date": _day(values["plan_date"]),
            "issuer_id": parse_whole(values["issuer_id"]), "kinds": values["kinds"],
            "phases": [{"name": p["name"], "starts_on": _day(p["starts_on"]), "ends_on": _day(p["ends_on"])}
                       for p in values["phases"]]}


def _changes(plan: Campaign) -> list[dict]:
    """The plan's audit rows, each field that changed as readable text before and after."""
    rows = changes_of("campaign", plan.id)
    org_ids = {value for row in rows for side in (row.before, row.after) if side
               for key, value in side.items() if key == "issuer_id" and isinstance(value, int)}
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_(org_ids))).all()) if org_ids else {}
    return [{"row": row, "fields": [(gettext(FIELD_LABELS.get(field, field)),
                                     _readable(field, before, names), _readable(field, after, names))
                                    for field, before, after in sorted(row.changed_fields(), key=_field_order)]}
            for row in rows]


def _field_order(change: tuple) -> int:
    """The form's order, rather than the alphabet's."""
    return list(FIELD_LABELS).index(change[0]) if change[0] in FIELD_LABELS else len(FIELD_LABELS)


def _readable(field: str, value, names: dict) -> str:
    if value is None:
        return "—"
    if field == "plan_date":
        return format_date(value)
    if field == "issuer_id":
        return names.get(value, str(value))
    if field == "kinds":
        return ", ".join(gettext(KINDS[c].short_title) if c in KINDS else c for c in value) or gettext(
            "mọi loại hồ sơ")
    if field == "phases":
        return "; ".join(_readable_phase(p) for p in value)
    return str(value)


def _readable_phase(phase: dict) -> str:
    if phase.get("starts_on"):
        return gettext("%(name)s: %(start)s – %(end)s", name=phase.get("name"),
                       start=format_date(phase["starts_on"]), end=format_date(phase.get("ends_on")))
    return gettext("%(name)s: đến %(end)s", name=phase.get("name"), end=format_date(phase.get("ends_on")))
