"""Rule sets: the limits each kind is judged by. The admin chooses the kind, fills in its parameters as labelled
fields (params_form.py), the regulation as documents cite it ("Căn cứ") and the fund that pays, sees what the change
affects, then saves; add_rule_set judges it, an audit row records it. The API and the CLI keep taking the parameters
and the citation as JSON."""
import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import clock
from ..audit.service import record, snapshot
from ..dossiers.kinds import KINDS, get_kind
from ..dossiers.models import Dossier, RuleSet
from ..dossiers.rules import add_rule_set, rule_set_for, rule_set_scope
from ..errors import OperationError
from ..extensions import db
from ..formatting import format_date
from ..orgs.models import Organisation
from ..orgs.tree import chain_on
from ..states import EDITABLE_STATES, WAITING_STATES
from ..transaction import unit_of_work
from . import bp, params_form
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

STORED = ("kind", "jurisdiction_id", "valid_from", "valid_to", "basis", "citation", "fund", "params")


@bp.get("/rule-sets")
def rule_sets():
    today = clock.today()
    scope = [org.id for org in rule_set_scope(current_user)] + [
        org.id for org in chain_on(current_user.organisation, today)]
    rows = db.session.scalars(sa.select(RuleSet).where(RuleSet.jurisdiction_id.in_(scope))
                              .order_by(RuleSet.kind, RuleSet.valid_from.desc(), RuleSet.id.desc())).all()
    shown = [{"row": r, "status": status(r, today), "period": period(r), "cited": cite_stored(r.citation),
              "lines": params_form.lines(params_form.fields_of(KINDS[r.kind].Params), r.params)
              if r.kind in KINDS else []} for r in rows]
    return render_template("admin/rule_sets.html", rule_sets=shown, STATUS=STATUS)


@bp.route("/rule-sets/new", methods=["GET", "POST"])
def new_rule_set():
    if request.method == "GET":
        kind = get_kind(request.args.get("kind"))
        if kind is None:  # the parameters depend on the kind: it is chosen first
            return render_template("admin/rule_set_kind.html")
        nodes = params_form.fields_of(kind.Params)
        current = rule_set_for(kind.code, current_user.organisation, clock.today())
        # The fund is filled in from the rule set in force, like the parameters; the regulation is the new one's.
        values = {"kind": kind.code, "jurisdiction_id": str(current_user.organisation_id), "valid_from": "",
                  "valid_to": "", "basis": "", **citation_values(None), "fund": (current.fund or "") if current else "",
                  **params_form.screen_values(nodes, current.params if current else {})}
        return _form(kind, nodes, values, {}, current)
    kind = get_kind(request.form.get("kind"))
    if kind is None:
        return render_template("admin/rule_set_kind.html", error=gettext("Chọn một loại hồ sơ.")), 422
    nodes = params_form.fields_of(kind.Params)
    values = {**typed_common(request.form), "fund": (request.form.get("fund") or "").strip(),
              **params_form.typed_values(nodes, request.form)}
    action = request.form.get("action") if request.form.get("action") in ACTIONS else "preview"
    if action == "edit":  # back from the preview, to change something
        return _form(kind, nodes, values, {})
    arguments, errors = common_arguments(values)
    arguments["fund"] = values["fund"] or None
    arguments["params"], params_errors = params_form.parse(nodes, values)
    errors.update(params_errors)
    if action == "save" and not errors:
        try:
            with unit_of_work():
                rule_set = add_rule_set(current_user, **arguments)
                record(current_user, "rule_set.create", "rule_set", rule_set.id, rule_set.jurisdiction_id,
                       before=None, after=snapshot(rule_set, STORED))
            flash(gettext("Đã thêm bộ quy định, áp dụng từ ngày %(day)s.", day=format_date(rule_set.valid_from)),
                  "success")
            return redirect(url_for(".rule_sets"))
        except OperationError as exc:
            return _form(kind, nodes, values, _placed(kind, nodes, arguments, values, exc.errors or {
                "": [exc.message]}), code=422)
    # The form's own problems win over the operation's on the same field: 'abc' typed as an amount is not missing.
    errors = {**_placed(kind, nodes, arguments, values, check_only(add_rule_set, arguments)), **errors}
    if errors:
        return _form(kind, nodes, values, errors, code=422)
    return _preview(kind, nodes, values, arguments)


def _placed(kind, nodes, arguments, values, errors: dict) -> dict:
    """add_rule_set's errors, those on the parameters and the citation's parts beside their fields."""
    errors = place_citation_errors(errors)
    if "params" in errors:
        messages = errors.pop("params")
        for key, placed in params_form.place_errors(nodes, kind.Params, arguments["params"], messages,
                                                    values).items():
            errors.setdefault(key, []).extend(placed)
    return errors


def _form(kind, nodes, values: dict, errors: dict, current=None, code: int = 200):
    return render_template("admin/rule_set_form.html", kind=kind, nodes=nodes, values=values, errors=errors,
                           orgs=jurisdictions(), current=current, UNITS=params_form.UNITS,
                           extra_rows=params_form.EXTRA_ROWS, general=params_form.GENERAL), code


def _preview(kind, nodes, values: dict, arguments: dict):
    """What the new rule set changes, before anything is saved: each parameter before and after, and whom it
    reaches (dossiers already submitted keep the rule set they were judged by)."""
    jurisdiction = db.session.get(Organisation, arguments["jurisdiction_id"])
    after = kind.Params.model_validate(arguments["params"]).model_dump(mode="json")
    # Submitted dossiers keep the rule set they were judged by; a draft or one returned to its union is judged
    # again at its next submission, by the rule set of that day.
    effect = impact(RuleSet, kind.code, jurisdiction, arguments["valid_from"], Dossier.state.in_(WAITING_STATES),
                    Dossier.state.in_(EDITABLE_STATES))
    return render_template(
        "admin/rule_set_preview.html", kind=kind, jurisdiction=jurisdiction, arguments=arguments, effect=effect,
        changes=params_form.compare(nodes, effect.replaced.params if effect.replaced else None, after),
        replaced_period=period(effect.replaced) if effect.replaced else "", cited=cited(arguments["citation"]),
        replaced_cited=cite_stored(effect.replaced.citation) if effect.replaced else "",
        hidden=[(name, values[name]) for name in ("kind", "jurisdiction_id", "valid_from", "valid_to", "basis",
                                                  *CITATION_INPUTS, "fund")]
        + params_form.hidden_fields(nodes, values))

