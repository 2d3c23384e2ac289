"""Routes: which levels act on a kind's dossiers and which one decides. The admin lists those of their federation
(in force, scheduled and past), and adds one as a form of steps with the regulation as documents cite it ("Căn
cứ"), previewed before it is saved; add_route judges it, an audit row records it. The CLI keeps taking the steps and
the citation as JSON."""
import re
from typing import get_args

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from pydantic import TypeAdapter, ValidationError

from .. import clock
from ..audit.service import record, snapshot
from ..dossiers.kinds import get_kind
from ..dossiers.models import Dossier, Route
from ..dossiers.routing import ROLES, RouteStepSpec, add_route, route_for
from ..dossiers.rules import rule_set_scope
from ..errors import OperationError
from ..extensions import db
from ..formatting import format_amount, format_date, format_money, parse_money, parse_whole
from ..orgs.models import LEVELS, Organisation
from ..orgs.tree import chain_on
from ..states import FINAL_STATES
from ..transaction import unit_of_work
from . import bp
from .dated_forms import (
    ACTIONS,
    CITATION_INPUTS,
    STATUS,
    check_only,
    citation_values,
    cite_stored,
    cited,
    common_arguments,
    impact,
    jurisdictions,
    period,
    place_citation_errors,
    status,
    typed_common,
)
from .params_form import sentence

STORED = ("kind", "jurisdiction_id", "valid_from", "valid_to", "basis", "citation", "steps")
STEP_FIELDS = ("level", "role", "decides_up_to_vnd")
# The levels a route may name, lowest first (a grassroots union is where a dossier starts, never a step).
STEP_LEVELS = {level: label for level, label in LEVELS.items()
               if level in get_args(RouteStepSpec.model_fields["level"].annotation)}
_STEP_INPUT = re.compile(r"steps-([0-9]{1,2})-(level|role|decides_up_to_vnd)")
_STEPS = TypeAdapter(list[RouteStepSpec])


@bp.get("/routes")
def routes():
    today = clock.today()
    scope = [org.id for org in rule_set_scope(current_user)] + [
        org.id for org in chain_on(current_user.organisation, today)]
    rows = db.session.scalars(sa.select(Route).where(Route.jurisdiction_id.in_(scope))
                              .order_by(Route.kind, Route.valid_from.desc(), Route.id.desc())).all()
    shown = [{"row": r, "status": status(r, today), "period": period(r), "cited": cite_stored(r.citation),
              "steps": [step_text(s) for s in r.steps]} for r in rows]
    return render_template("admin/routes.html", routes=shown, STATUS=STATUS)


@bp.route("/routes/new", methods=["GET", "POST"])
def new_route():
    if request.method == "GET":
        kind = get_kind(request.args.get("kind"))
        if kind is None:  # the form is filled in from the kind's route in force: it is chosen first
            return render_template("admin/rule_set_kind.html", for_routes=True)
        current = route_for(kind.code, current_user.organisation, clock.today())
        values = {"kind": kind.code, "jurisdiction_id": str(current_user.organisation_id), "valid_from": "",
                  "valid_to": "", "basis": "", **citation_values(None),
                  "steps": _screen_steps(current.steps if current else [])}
        return _form(kind, values, {}, current)
    kind = get_kind(request.form.get("kind"))
    if kind is None:
        return render_template("admin/rule_set_kind.html", for_routes=True,
                               error=gettext("Chọn một loại hồ sơ.")), 422
    values = {**typed_common(request.form), "steps": _typed_steps(request.form)}
    action = request.form.get("action") if request.form.get("action") in ACTIONS else "preview"
    if action == "edit":  # back from the preview, to change something
        return _form(kind, values, {})
    arguments, errors = common_arguments(values)
    arguments["steps"], step_errors = _parse_steps(values["steps"])
    errors.update(step_errors)
    if action == "save" and not errors:
        try:
            with unit_of_work():
                route = add_route(current_user, **arguments)
                record(current_user, "route.create", "route", route.id, route.jurisdiction_id,
                       before=None, after=snapshot(route, STORED))
            flash(gettext("Đã thêm tuyến xét duyệt, áp dụng từ ngày %(day)s.", day=format_date(route.valid_from)),
                  "success")
            return redirect(url_for(".routes"))
        except OperationError as exc:
            return _form(kind, values, _placed(arguments, exc.errors or {"": [exc.message]}), code=422)
    # The form's own problems win over the operation's on the same field: 'abc' typed as an amount is not missing.
    errors = {**_placed(arguments, check_only(add_route, arguments)), **errors}
    if errors:
        return _form(kind, values, errors, code=422)
    return _preview(kind, values, arguments)


def step_text(step: dict) -> str:
    """'Công đoàn cấp trên trực tiếp cơ sở: Thẩm định, tự quyết định đến 2.000.000 đ'."""
    text = gettext("%(level)s: %(role)s", level=gettext(LEVELS.get(step["level"], step["level"])),
                   role=gettext(ROLES.get(step["role"], step["role"])))
    if step.get("decides_up_to_vnd"):
        text = gettext("%(step)s, tự quyết định đến %(amount)s", step=text,
                       amount=format_money(step["decides_up_to_vnd"]))
    return text


def _screen_steps(steps: list[dict]) -> list[dict]:
    return [{"level": s.get("level", ""), "role": s.get("role", ""),
             "decides_up_to_vnd": format_amount(s.get("decides_up_to_vnd"))} for s in steps]


def _typed_steps(form) -> list[dict]:
    """The step rows as typed, empty ones dropped, so that the rows shown again (and the positions their errors are
    filed under) are those sent."""
    rows: dict[int, dict] = {}
    for key in form.keys():
        if match := _STEP_INPUT.fullmatch(key):
            rows.setdefault(parse_whole(match[1]), {})[match[2]] = (form.get(key) or "").strip()
    steps = [{name: row.get(name, "") for name in STEP_FIELDS} for _, row in sorted(rows.items())]
    return [step for step in steps if any(step.values())]


def _parse_steps(typed: list[dict]) -> tuple[list[dict], dict]:
    """The rows as add_route takes them; a choice left empty is left out, for add_route to say it is missing."""
    steps, errors = [], {}
    for position, row in enumerate(typed):
        step = {name: row[name] for name in ("level", "role") if row[name]}
        if row["decides_up_to_vnd"]:
            amount = parse_money(row["decides_up_to_vnd"])
            if amount is None:
                errors[f"steps-{position}-decides_up_to_vnd"] = [gettext("Phải là số nguyên, ví dụ 1.500.000.")]
            else:
                step["decides_up_to_vnd"] = amount
        steps.append(step)
    return steps, errors


def _placed(arguments: dict, errors: dict) -> dict:
    """add_route's messages on the steps beside the row and field each concerns. A message on one field of one
    step comes from the steps' model; read again, it gives each message's location ('steps.1.role: ...'). What
    concerns the steps together (the last must decide) stays with the steps as a whole. Those on the citation's parts
    go beside their inputs."""
    errors = place_citation_errors(errors)
    messages = errors.pop("steps", None)
    if not messages:
        return errors
    try:
        _STEPS.validate_python(arguments["steps"])
        problems = []
    except ValidationError as exc:
        problems = exc.errors()
    if len(problems) != len(messages):
        errors["steps"] = messages
        return errors
    for problem, message in zip(problems, messages, strict=True):
        loc = problem["loc"]
        path = ".".join(str(part) for part in ("steps", *loc))
        text = sentence(message[len(path) + 2:] if message.startswith(path + ": ") else message)
        key = f"steps-{loc[0]}-{loc[1]}" if len(loc) >= 2 and loc[1] in STEP_FIELDS else "steps"
        errors.setdefault(key, []).append(text)
    return errors


def _form(kind, values: dict, errors: dict, current=None, code: int = 200):
    rows = list(values["steps"])
    rows += [{name: "" for name in STEP_FIELDS}] * max(len(STEP_LEVELS) - len(rows), 0)
    return render_template("admin/route_form.html", kind=kind, values=values, rows=rows, errors=errors,
                           orgs=jurisdictions(), current=current, current_steps=[step_text(s) for s in current.steps]
                           if current else [], STEP_LEVELS=STEP_LEVELS, ROLES=ROLES), code


def _preview(kind, values: dict, arguments: dict):
    """What the new route changes, before anything is saved: each step before and after, and whom it reaches. A
    dossier follows the route of its first submission to the end, through returns and resubmissions."""
    jurisdiction = db.session.get(Organisation, arguments["jurisdiction_id"])
    effect = impact(Route, kind.code, jurisdiction, arguments["valid_from"],
                    sa.and_(Dossier.route_id.is_not(None), Dossier.state.not_in(FINAL_STATES)),
                    Dossier.route_id.is_(None) & (Dossier.state == "draft"))
    before = [step_text(s) for s in effect.replaced.steps] if effect.replaced else []
    after = [step_text(step.model_dump()) for step in _STEPS.validate_python(arguments["steps"])]
    changes = [{"position": i + 1, "before": before[i] if i < len(before) else None,
                "after": after[i] if i < len(after) else None} for i in range(max(len(before), len(after)))]
    hidden = [(name, values[name]) for name in ("kind", "jurisdiction_id", "valid_from", "valid_to", "basis",
                                                *CITATION_INPUTS)]
    for position, row in enumerate(values["steps"]):
        hidden += [(f"steps-{position}-{name}", row[name]) for name in STEP_FIELDS]
    return render_template("admin/route_preview.html", kind=kind, jurisdiction=jurisdiction, arguments=arguments,
                           effect=effect, changes=changes, cited=cited(arguments["citation"]),
                           replaced_cited=cite_stored(effect.replaced.citation) if effect.replaced else "",
                           replaced_period=period(effect.replaced) if effect.replaced else "", hidden=hidden)

