"""Which rule set judges a dossier: the kind's rule set in force on the submission date, from the nearest
organisation up the union's chain of that day that has one (a province's own cap before the confederation's).
Routes are found the same way (routing.py)."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from pydantic import ValidationError

from .. import clock
from ..extensions import db
from ..formatting import format_amount, is_id
from ..i18n import N_
from ..orgs.models import Organisation
from ..orgs.tree import chain_on, subtree_on
from .citations import Citation, parse_citation
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
    jurisdiction = db.session.get(Organisation, jurisdiction_id) if is_id(jurisdiction_id) else None
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
        bounds = {key: format_amount(value) for key, value in (item.get("ctx") or {}).items()
                  if isinstance(value, int) and not isinstance(value, bool)}
        messages.append(f"{path}: {gettext(problem, **bounds)}")
    return messages


# The parts of a citation that name the regulation: given one part, all three are needed (dossiers/citations.py).
CITATION_TOGETHER = {
    "type": N_("Nhập loại văn bản (ví dụ Quyết định): căn cứ cần đủ loại văn bản, cơ quan ban hành và trích yếu."),
    "issuer": N_("Nhập cơ quan ban hành: căn cứ cần đủ loại văn bản, cơ quan ban hành và trích yếu."),
    "subject": N_("Nhập trích yếu: căn cứ cần đủ loại văn bản, cơ quan ban hành và trích yếu."),
}
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST_CITED = date(1900, 1, 1)


def check_citation(citation, errors: dict) -> dict | None:
    """The regulation as documents cite it ({"type", "number"?, "date"?, "issuer", "subject"}, the date a date or
    ISO text), as stored (citations.parse_citation); None for none (None or {}). What is wrong goes into `errors`
    under "citation.<part>" (or "citation" when it is no object), in the reader's language."""
    if citation is None or citation == {}:
        return None
    if not isinstance(citation, dict):
        errors["citation"] = [gettext("Căn cứ phải là một đối tượng gồm type, number, date, issuer và subject.")]
        return None
    problems: dict[str, list[str]] = {}
    citation = dict(citation)
    day = citation.get("date")
    if isinstance(day, str) and day.strip() == "":
        citation["date"] = day = None
    if day is not None:
        # Only a day: pydantic would also read a number (or '1395964800') as a timestamp.
        if isinstance(day, str) and _ISO_DAY.fullmatch(day.strip()):
            try:
                day = citation["date"] = date.fromisoformat(day.strip())
            except ValueError:
                pass
        if not isinstance(day, date):
            problems["citation.date"] = [gettext("Ngày ban hành không hợp lệ; nhập theo dạng YYYY-MM-DD.")]
        elif not EARLIEST_CITED <= day <= clock.today():
            problems["citation.date"] = [gettext("Ngày ban hành không được sau hôm nay.")]
        if "citation.date" in problems:
            citation.pop("date")
    stored = None
    try:
        stored = parse_citation(citation)
    except ValidationError as exc:
        for item in exc.errors():
            part = str(item["loc"][0]) if item["loc"] else ""
            key = f"citation.{part}" if part else "citation"
            if key not in problems:
                problems[key] = [_citation_message(part, item)]
    errors.update(problems)
    return None if problems else stored


def _citation_message(part: str, item: dict) -> str:
    kind, given = item["type"], item.get("input")
    if kind == "extra_forbidden":
        return gettext("Không có trường này.")
    if part in CITATION_TOGETHER and (kind == "missing" or (kind == "string_too_short" and isinstance(given, str)
                                                            and not given.strip())):
        return gettext(CITATION_TOGETHER[part])
    if kind in ("string_too_short", "string_too_long"):
        field = Citation.model_fields[part]
        low = next((m.min_length for m in field.metadata if getattr(m, "min_length", None) is not None), 1)
        high = next(m.max_length for m in field.metadata if getattr(m, "max_length", None) is not None)
        return gettext("Nhập từ %(low)s đến %(high)s ký tự.", low=low, high=high)
    if kind == "string_type":
        return gettext("Phải là chuỗi ký tự.")
    if kind == "value_error":  # Citation.printable
        return gettext("Không được chứa ký tự điều khiển.")
    return gettext("Giá trị không hợp lệ.")


def check_fund(fund, errors: dict) -> str | None:
    """The fund a rule set's money comes from, as a decision's Điều 2 names it; None for none."""
    from ..orgs.operations import clean_text

    if fund is None:
        return None
    return clean_text(fund, "fund", errors, low=3, high=300, required=False) or None


def add_rule_set(actor, *, kind: str, jurisdiction_id, valid_from, valid_to, basis: str, params, citation=None,
                 fund=None) -> RuleSet:
    """Add the limits a kind is judged by from `valid_from` on, for an organisation and all under it; with the
    regulation as documents cite it (`citation`, see check_citation) and the fund that pays (`fund`).

    Earlier rule sets stay as they are: a dossier keeps the rule set it was submitted under.
    `actor` None is the server operator (the CLI), who may set rules anywhere."""
    from ..errors import Forbidden, Invalid

    if actor is not None and actor.role != "admin":
        raise Forbidden(gettext("Chỉ quản trị hệ thống được thêm bộ quy định."))
    kind_class, jurisdiction, errors = check_dated_rule(actor, RuleSet, kind=kind, jurisdiction_id=jurisdiction_id,
                                                        valid_from=valid_from, valid_to=valid_to, basis=basis)
    citation = check_citation(citation, errors)
    fund = check_fund(fund, errors)
    if kind_class is not None:
        try:
            params = kind_class.Params.model_validate(params).model_dump(mode="json")
        except ValidationError as exc:
            errors["params"] = validation_messages(exc, "params")
    if errors:
        raise Invalid(gettext("Bộ quy định chưa hợp lệ."), errors)
    rule_set = RuleSet(kind=kind, jurisdiction=jurisdiction, valid_from=valid_from, valid_to=valid_to,
                       basis=basis.strip(), params=params, citation=citation, fund=fund)
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
    "less_than_equal": N_("không được lớn hơn %(le)s"),
    "control_character": N_("không được chứa ký tự điều khiển"),
    "string_too_short": N_("không được để trống"),
    "string_too_long": N_("quá dài"),
    "too_long": N_("quá nhiều mục"),
}
_PARAM_INVALID = N_("giá trị không hợp lệ")
