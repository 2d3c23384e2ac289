"""Rule sets: the limits each kind is judged by."""
import json

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import clock
from ..dossiers.kinds import KINDS
from ..dossiers.models import RuleSet
from ..dossiers.rules import add_rule_set, rule_set_for, rule_set_scope
from ..errors import OperationError
from ..extensions import db
from ..formatting import format_date, parse_screen_date
from ..orgs.tree import chain_on
from ..transaction import unit_of_work
from . import bp


@bp.get("/rule-sets")
def rule_sets():
    scope = [org.id for org in rule_set_scope(current_user)] + [
        org.id for org in chain_on(current_user.organisation, clock.today())]
    rows = db.session.scalars(sa.select(RuleSet).where(RuleSet.jurisdiction_id.in_(scope))
                              .order_by(RuleSet.kind, RuleSet.valid_from.desc(), RuleSet.id.desc())).all()
    return render_template("admin/rule_sets.html", rule_sets=rows, today=clock.today(),
                           in_force={code: rule_set_for(code, current_user.organisation, clock.today())
                                     for code in KINDS})


@bp.route("/rule-sets/new", methods=["GET", "POST"])
def new_rule_set():
    orgs = rule_set_scope(current_user)
    if request.method == "GET":
        kind = request.args.get("kind") if request.args.get("kind") in KINDS else next(iter(KINDS))
        current = rule_set_for(kind, current_user.organisation, clock.today())
        values = {"kind": kind, "jurisdiction_id": str(current_user.organisation_id), "valid_from": "", "valid_to": "",
                  "basis": "", "params": json.dumps(current.params if current else {}, ensure_ascii=False, indent=2)}
        return render_template("admin/rule_set_form.html", values=values, errors={}, orgs=orgs)
    form = request.form
    errors = {}
    valid_from = parse_screen_date(form.get("valid_from", ""))
    valid_to = parse_screen_date(form.get("valid_to", "")) if form.get("valid_to", "").strip() else None
    if form.get("valid_to", "").strip() and valid_to is None:
        errors["valid_to"] = [gettext("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")]
    try:
        params = json.loads(form.get("params") or "{}")
    except json.JSONDecodeError as exc:
        params = None
        errors["params"] = [gettext("Không phải JSON hợp lệ (dòng %(line)s, cột %(column)s).",
                                    line=exc.lineno, column=exc.colno)]
    except ValueError:  # e.g. an integer of thousands of digits
        params = None
        errors["params"] = [gettext("Không phải JSON hợp lệ.")]
    if not errors:
        try:
            with unit_of_work():
                rule_set = add_rule_set(current_user, kind=form.get("kind"),
                                        jurisdiction_id=form.get("jurisdiction_id", type=int), valid_from=valid_from,
                                        valid_to=valid_to, basis=form.get("basis", ""), params=params)
            flash(gettext("Đã thêm bộ quy định, áp dụng từ ngày %(day)s.", day=format_date(rule_set.valid_from)),
                  "success")
            return redirect(url_for(".rule_sets"))
        except OperationError as exc:
            errors = exc.errors or {"": [exc.message]}
    return render_template("admin/rule_set_form.html", values=form, errors=errors, orgs=orgs), 422
