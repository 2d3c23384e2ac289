"""Which rule set judges a dossier: the kind's rule set in force on the submission date, from the nearest
organisation up the union's chain of that day that has one (a province's own cap before the confederation's).
Routes are found the same way (routing.py)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from pydantic import ValidationError

from .. import clock
from ..extensions import db
from ..i18n import N_
from ..orgs.models import Organisation
from ..orgs.tree import chain_on, subtree_on
from .models import RuleSet


def nearest_in_force(model, kind: str, organisation: Organisation, on: date):
    """The row of `model` (RuleSet, Route) for `kind` in force on `on` whose jurisdiction is nearest up the
    organisation's chain of that day; among one jurisdiction's, the latest to start."""
    chain = [org.id for org in chain_on(organisation, on)]
    candidates = db.session.scalars(
        sa.select(model).where(
            model.kind == kind,
            model.jurisdiction_id.in_(chain),
            model.valid_from <= on,
            sa.or_(model.valid_to.is_(None), model.valid_to >= on),
        )
    ).all()
    if not candidates:
        return None
    return min(candidates, key=lambda r: (chain.index(r.jurisdiction_id), -r.valid_from.toordinal(), -r.id))


def rule_set_for(kind: str, organisation: Organisation, on: date) -> RuleSet | None:
    return nearest_in_force(RuleSet, kind, organisation, on)


RULE_SETTING_LEVELS = {"confederation", "province"}


def rule_set_scope(actor) -> list[Organisation]:
    """The organisations an admin may set rules for: their own and everything under it today."""
    return subtree_on(actor.organisation, clock.today())


def check_dated_rule(actor, model, *, kind, jurisdiction_id, valid_from, valid_to, basis: str) -> tuple:
    """What a rule set and a route share: a known kind, a jurisdiction in the admin's subtree at a level that sets
    rules, a start date (not before today, unless the server's operator adds it: `actor` None), an end after it,
    no other row of the same jurisdiction starting that day, and the regulation it rests on.
    Returns (the kind, the jurisdiction, the errors so far)."""
    from .kinds import get_kind

    errors: dict[str, list[str]] = {}
    kind_class = get_kind(kind)
    if kind_class is None:
        errors["kind"] = [gettext("Chọn một loại hồ sơ.")]
    jurisdiction = db.session.get(Organisation, jurisdiction_id) if isinstance(jurisdiction_id, int) else None
    if jurisdiction is None or (actor is not None and jurisdiction not in rule_set_scope(actor)):
        errors["jurisdiction_id"] = [gettext("Chọn một tổ chức thuộc phạm vi quản lý của bạn.")]
    elif jurisdiction.level not in RULE_SETTING_LEVELS:
        # Funds, limits and routes are set by the Confederation and the provincial federations, not per union.
        errors["jurisdiction_id"] = [gettext("Chỉ Tổng Liên đoàn và Liên đoàn Lao động cấp tỉnh ban hành bộ quy định.")]
    if not isinstance(valid_from, date):
        errors["valid_from"] = [gettext("Nhập ngày bắt đầu áp dụng (dd/mm/yyyy).")]
    elif actor is not None and valid_from < clock.today():
        errors["valid_from"] = [gettext(
            "Ngày bắt đầu áp dụng không được trước hôm nay: quy định mới không áp dụng hồi tố.")]
    elif valid_to is not None and (not isinstance(valid_to, date) or valid_to < valid_from):
        errors["valid_to"] = [gettext("Ngày hết hiệu lực phải sau ngày bắt đầu.")]
    elif jurisdiction is not None and kind_class is not None and db.session.scalar(sa.select(model.id).where(
            model.kind == kind, model.jurisdiction_id == jurisdiction.id, model.valid_from == valid_from)):
        errors["valid_from"] = [gettext("Đã có bộ quy định của tổ chức này áp dụng từ ngày này; chọn ngày khác.")]
    if not isinstance(basis, str) or not 5 <= len(basis.strip()) <= 300:
        errors["basis"] = [gettext("Ghi căn cứ (số, ngày, cơ quan ban hành văn bản quy định), tối đa 300 ký tự.")]
    return kind_class, jurisdiction, errors


def validation_messages(exc: ValidationError, field: str, prefix: str = "") -> list[str]:
    """A pydantic error on parameters or steps, as '<path>: <message>' lines in the reader's language."""
    messages = []
    for item in exc.errors():
        path = ".".join(str(p) for p in (prefix, *item["loc"]) if p != "") or field
        problem = _PARAM_MESSAGES.get(item["type"], _PARAM_INVALID)
        messages.append(f"{path}: {gettext(problem)}")
    return messages


def add_rule_set(actor, *, kind: str, jurisdiction_id, valid_from, valid_to, basis: str, params) -> RuleSet:
    """Add the limits a kind is judged by from `valid_from` on, for an organisation and all under it.

    Earlier rule sets stay as they are: a dossier keeps the rule set it was submitted under.
    `actor` None is the server operator (the CLI), who may set rules anywhere."""
    from ..errors import Forbidden, Invalid

    if actor is not None and actor.role != "admin":
        raise Forbidden(gettext("Chỉ quản trị hệ thống được thêm bộ quy định."))
    kind_class, jurisdiction, errors = check_dated_rule(actor, RuleSet, kind=kind, jurisdiction_id=jurisdiction_id,
                                                        valid_from=valid_from, valid_to=valid_to, basis=basis)
    if kind_class is not None:
        try:
            params = kind_class.Params.model_validate(params).model_dump(mode="json")
        except ValidationError as exc:
            errors["params"] = validation_messages(exc, "params")
    if errors:
        raise Invalid(gettext("Bộ quy định chưa hợp lệ."), errors)
    rule_set = RuleSet(kind=kind, jurisdiction=jurisdiction, valid_from=valid_from, valid_to=valid_to,
                       basis=basis.strip(), params=params)
    db.session.add(rule_set)
    db.session.flush()
    return rule_set


_PARAM_MESSAGES = {
    "missing": N_("thiếu giá trị"),
    "int_type": N_("phải là số nguyên"),
    "int_parsing": N_("phải là số nguyên"),
    "greater_than": N_("phải lớn hơn 0"),
    "greater_than_equal": N_("không được âm"),
    "extra_forbidden": N_("không có tham số này"),
    "dict_type": N_("phải là một đối tượng"),
    "model_type": N_("phải là một đối tượng"),
    "too_short": N_("cần ít nhất một mục"),
    "literal_error": N_("không nằm trong các giá trị cho phép"),
    "list_type": N_("phải là một danh sách"),
    "less_than_equal": N_("quá lớn"),
}
_PARAM_INVALID = N_("giá trị không hợp lệ")
