"""Organisations: the admin's subtree as a tree, each unit's page with its history, and the changes (found, rename,
move, edit what documents print, end with a preview of what moves)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import clock
from ..audit.service import changes_of
from ..auth.models import User
from ..dossiers.models import Dossier, DossierAccess
from ..errors import NotFound, OperationError
from ..extensions import db
from ..formatting import format_date, is_id, parse_screen_date, parse_whole
from ..i18n import N_
from ..lists.search import fold
from ..orgs import operations as org_ops
from ..orgs.models import LEVEL_RANK, LEVELS, Organisation, OrganisationPlacement
from ..orgs.tree import chain_on, header_on, subtree_on
from ..pdf.heading import HEADING_PT, heading_line
from ..pdf.signature import AUTHORITIES, filed_line, signing_block
from ..restructuring.operations import end_organisation, plan_ending
from ..states import FINAL_STATES
from ..transaction import unit_of_work
from . import bp


def _org(org_id: int) -> Organisation:
    try:
        return org_ops.managed_organisation(current_user, org_id)
    except NotFound:
        abort(404)


def _counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """Per organisation: units under it today, active users, its own open dossiers, dossiers waiting at it."""
    today = clock.today()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"units": 0, "users": 0, "open": 0, "waiting": 0})
    queries = {
        "units": sa.select(OrganisationPlacement.parent_id, sa.func.count()).where(
            OrganisationPlacement.parent_id.in_(ids), OrganisationPlacement.in_force_on(today))
        .group_by(OrganisationPlacement.parent_id),
        "users": sa.select(User.organisation_id, sa.func.count()).where(User.organisation_id.in_(ids), User.active)
        .group_by(User.organisation_id),
        "open": sa.select(Dossier.organisation_id, sa.func.count()).where(
            Dossier.organisation_id.in_(ids), Dossier.state.not_in(FINAL_STATES)).group_by(Dossier.organisation_id),
        "waiting": sa.select(DossierAccess.organisation_id, sa.func.count()).where(
            DossierAccess.organisation_id.in_(ids), DossierAccess.task.is_not(None))
        .group_by(DossierAccess.organisation_id),
    }
    for name, query in queries.items():
        for org_id, count in db.session.execute(query):
            counts[org_id][name] = count
    return counts


def _tree(root: Organisation):
    """(organisation, depth, has_children) in depth-first order, children by name."""
    today = clock.today()
    nodes = subtree_on(root, today)
    ids = [org.id for org in nodes]
    placed = OrganisationPlacement
    parent_of = dict(db.session.execute(sa.select(placed.organisation_id, placed.parent_id)
                                        .where(OrganisationPlacement.organisation_id.in_(ids),
                                               OrganisationPlacement.in_force_on(today))).all())
    children = defaultdict(list)
    for org in nodes[1:]:
        children[parent_of.get(org.id)].append(org)
    rows = []

    def walk(org, depth):
        rows.append((org, depth, bool(children[org.id])))
        for child in sorted(children[org.id], key=lambda o: (-LEVEL_RANK[o.level], fold(o.name))):
            walk(child, depth + 1)

    walk(root, 0)
    return rows


@bp.get("/organisations")
def organisations():
    query = request.args.get("q", "").strip()[:100]
    rows = _tree(current_user.organisation)
    if query:
        words = fold(query).split()
        rows = [(org, 0, False) for org, _, _ in rows
                if all(word in fold(f"{org.name} {org.code}") for word in words)]
    counts = _counts([org.id for org, _, _ in rows])
    ended = db.session.scalars(sa.select(Organisation).where(
        Organisation.id.in_(org_ops.managed_ids(current_user) | _ended_ids()), Organisation.valid_to.is_not(None))
        .order_by(Organisation.valid_to.desc())).all() if not query else []
    return render_template("admin/organisations.html", rows=rows, counts=counts, query=query, ended=ended,
                           LEVELS=LEVELS)


def _ended_ids() -> set[int]:
    managed = org_ops.managed_ids(current_user)
    return set(db.session.scalars(sa.select(Organisation.id).where(
        Organisation.valid_to.is_not(None),
        sa.or_(Organisation.successor_id.in_(managed),
               Organisation.id.in_(sa.select(OrganisationPlacement.organisation_id)
                                   .where(OrganisationPlacement.parent_id.in_(managed)))))))


@bp.get("/organisations/<int:org_id>")
def organisation(org_id):
    org = _org(org_id)
    today = clock.today()
    users = db.session.scalars(sa.select(User).where(User.organisation_id == org.id).order_by(User.username)).all()
    children = [row for row in _tree(org)[1:] if row[1] == 1] if org.valid_to is None else []
    header = asdict(header_on(org, today))
    printed = {"line": heading_line(header["header_name"], header["short_header_name"], bold=True),
               "signing": signing_block(header), "filed": filed_line(header)}
    return render_template("admin/organisation.html", org=org, chain=chain_on(org, today)[1:], users=users,
                           children=children, printed=printed, heading_pt=HEADING_PT,
                           counts=_counts([org.id] + [c.id for c, _, _ in children]),
                           changes=changes_of("organisation", org.id), may_change=org_ops.manages(current_user, org),
                           is_own=org.id == current_user.organisation_id)


def _parents_for(level: str | None = None) -> list[tuple[int, str]]:
    managed = [o for o in subtree_on(current_user.organisation, clock.today()) if o.level != "grassroots"]
    return [(o.id, f"{o.name} ({gettext(o.level_label)})") for o in managed
            if level is None or LEVEL_RANK[o.level] > LEVEL_RANK.get(level, -1)]


def _level_options():
    top = LEVEL_RANK[current_user.organisation.level]
    return [(code, gettext(label)) for code, label in LEVELS.items() if LEVEL_RANK[code] < top]


# (label, hint) msgids, translated where the form is built.
HEADER_LABELS = {
    "short_header_name": (N_("Tên viết tắt trên tiêu đề văn bản"),
                          N_("Dùng khi tên đầy đủ quá dài cho một dòng, ví dụ “LĐLĐ HUYỆN PHÚ RIỀNG”.")),
    "abbreviation": (N_("Chữ viết tắt trong số văn bản"), N_("Ví dụ LĐLĐ trong “12/QĐ-LĐLĐ”.")),
    "place_name": (N_("Địa danh ghi trên văn bản"), None),
    "signing_body": (N_("Tập thể lãnh đạo (ký thay mặt)"), N_("Ví dụ BAN THƯỜNG VỤ → “TM. BAN THƯỜNG VỤ”.")),
    "head_title": (N_("Chức danh người đứng đầu"), None),
    "head_name": (N_("Họ tên người đứng đầu"), None),
    "signing_authority": (N_("Cách ký văn bản"), N_("Khi cấp phó ký thay (KT.), quyền (Q.), thừa lệnh (TL.) hoặc thừa "
                                                   "ủy quyền (TUQ.): ghi chức danh và họ tên người ký bên dưới.")),
    "signer_title": (N_("Chức danh người ký"), N_("Ví dụ PHÓ CHỦ TỊCH → “KT. CHỦ TỊCH / PHÓ CHỦ TỊCH”.")),
    "signer_name": (N_("Họ tên người ký"), None),
    "drafting_unit": (N_("Chữ viết tắt đơn vị soạn thảo"), N_("In ở dòng “- Lưu: VT, …” của nơi nhận, ví dụ VP.")),
    "finance_office": (N_("Bộ phận tài chính"), N_("Được giao thi hành quyết định hỗ trợ, ví dụ Ban Tài chính.")),
    "office_address": (N_("Địa điểm làm việc"), N_("In trong biên bản thẩm định; để trống: trụ sở của đơn vị.")),
    "record_approval": (N_("Lãnh đạo duyệt biên bản thẩm định"), N_("Biên bản có thêm phần “DUYỆT” của lãnh đạo "
                                                                   "bên cạnh chữ ký người thẩm định.")),
    "signed_by_signer": (N_("Trình ký"), N_("Văn bản trình lãnh đạo ký trước khi ban hành (người được giao ký số của "
                                            "đơn vị); các văn bản khác người thực hiện ký ngay.")),
}
SIGNING_STEP_CHOICES = {  # form value -> label; the value is what orgs.operations._signed_types reads
    "": N_("Không: người thực hiện ký ngay"),
    "QĐ": N_("Quyết định"),
    "all": N_("Mọi văn bản (Tờ trình, Thông báo, Biên bản, Quyết định)"),
}
OPTIONAL_HEADER_FIELDS = {"short_header_name", "head_name", "signing_authority", "signer_title", "signer_name",
                          "drafting_unit", "finance_office", "office_address", "record_approval", "signed_by_signer"}


def _header_fields():
    fields = []
    for name, (label, hint) in HEADER_LABELS.items():
        field = dict(name=name, label=gettext(label), hint=gettext(hint) if hint else None, type="text", half=True,
                     required=name not in OPTIONAL_HEADER_FIELDS)
        if name == "signing_authority":
            field.update(type="select", options=[(code, gettext(label)) for code, label in AUTHORITIES.items()],
                         required=True)
        elif name == "record_approval":
            field.update(type="select", options=[("", gettext("Không")), ("1", gettext("Có"))], required=True)
        elif name == "signed_by_signer":
            field.update(type="select", required=True,
                         options=[(code, gettext(label)) for code, label in SIGNING_STEP_CHOICES.items()])
        fields.append(field)
    return fields


def _header_values_of(org) -> dict:
    values = {name: getattr(org, name) or "" for name in HEADER_LABELS}
    values["record_approval"] = "1" if org.record_approval else ""
    types = org.signed_by_signer or []
    values["signed_by_signer"] = "" if not types else "QĐ" if types == ["QĐ"] else "all"
    return values


def _date_or_error(values, field: str, errors: dict, *, default_today: bool = True):
    text = values.get(field, "").strip()
    if not text:
        return clock.today() if default_today else None
    day = parse_screen_date(text)
    if day is None:
        errors[field] = [gettext("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")]
    return day


def _parent_from(values, field: str = "parent_id") -> Organisation | None:
    org_id = parse_whole(values.get(field, ""))
    return db.session.get(Organisation, org_id) if is_id(org_id) else None


def _form_failed(exc: OperationError) -> dict:
    return exc.errors or {"": [exc.message]}


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    fields = [dict(name="code", label=gettext("Mã đơn vị"), required=True, half=True,
                   hint=gettext("Chữ thường không dấu, không trùng, ví dụ cdcs-cong-ty-abc.")),
              dict(name="level", label=gettext("Cấp"), type="select", required=True, options=_level_options()),
              dict(name="name", label=gettext("Tên đơn vị"), required=True),
              dict(name="header_name", label=gettext("Tên trên tiêu đề văn bản"),
                   hint=gettext("Để trống: tên đơn vị viết hoa.")),
              dict(name="parent_id", label=gettext("Trực thuộc"), type="select", required=True, options=_parents_for()),
              dict(name="valid_from", label=gettext("Thành lập từ ngày"), type="date",
                   hint=gettext("Để trống: hôm nay."))] + _header_fields()
    values, errors = dict(request.args), {}
    if request.method == "POST":
        values = request.form
        day = _date_or_error(values, "valid_from", errors)
        if not errors:
            try:
                with unit_of_work():
                    org = org_ops.create_organisation(
                        current_user, code=values.get("code"), name=values.get("name"), level=values.get("level"),
                        parent=_parent_from(values), valid_from=day, header_name=values.get("header_name"),
                        **{name: values.get(name) for name in HEADER_LABELS})
                flash(gettext("Đã thành lập %(org)s.", org=org.name), "success")
                return redirect(url_for(".organisation", org_id=org.id))
            except OperationError as exc:
                errors = _form_failed(exc)
                if "parent" in errors:
                    errors["parent_id"] = errors.pop("parent")
    return render_template("admin/organisation_form.html", title=gettext("Thành lập đơn vị"), org=None,
                           fields=fields, values=values, errors=errors,
                           submit=gettext("Thành lập")), 422 if errors else 200


@bp.route("/organisations/<int:org_id>/header", methods=["GET", "POST"])
def edit_header(org_id):
    org = _org(org_id)
    values, errors = _header_values_of(org), {}
    if request.method == "POST":
        values = request.form
        try:
            with unit_of_work():
                org_ops.update_header(current_user, org, **{name: values.get(name, "") for name in HEADER_LABELS})
            flash(gettext("Đã lưu thông tin trên văn bản."), "success")
            return redirect(url_for(".organisation", org_id=org.id))
        except OperationError as exc:
            errors = _form_failed(exc)
    return render_template("admin/organisation_form.html", title=gettext("Thông tin trên văn bản"), org=org,
                           fields=_header_fields(), values=values, errors=errors,
                           submit=gettext("Lưu")), 422 if errors else 200


@bp.route("/organisations/<int:org_id>/rename", methods=["GET", "POST"])
def rename(org_id):
    org = _org(org_id)
    fields = [dict(name="name", label=gettext("Tên mới"), required=True),
              dict(name="header_name", label=gettext("Tên mới trên tiêu đề văn bản"),
                   hint=gettext("Để trống: tên mới viết hoa.")),
              dict(name="short_header_name", label=gettext("Tên viết tắt trên tiêu đề văn bản"), half=True),
              dict(name="on", label=gettext("Dùng tên mới từ ngày"), type="date", required=True,
                   hint=gettext("Văn bản trước ngày này giữ tên cũ."))]
    values, errors = {"on": format_date(clock.today())}, {}
    if request.method == "POST":
        values = request.form
        day = _date_or_error(values, "on", errors)
        if not errors:
            try:
                with unit_of_work():
                    org_ops.rename_organisation(current_user, org, name=values.get("name"),
                                                header_name=values.get("header_name"),
                                                short_header_name=values.get("short_header_name"), on=day)
                flash(gettext("Đã đổi tên thành %(name)s.", name=org.name), "success")
                return redirect(url_for(".organisation", org_id=org.id))
            except OperationError as exc:
                errors = _form_failed(exc)
    return render_template("admin/organisation_form.html", title=gettext("Đổi tên"), org=org, fields=fields,
                           values=values, errors=errors, submit=gettext("Đổi tên")), 422 if errors else 200


@bp.route("/organisations/<int:org_id>/move", methods=["GET", "POST"])
def move(org_id):
    org = _org(org_id)
    fields = [dict(name="parent_id", label=gettext("Trực thuộc tổ chức"), type="select", required=True,
                   options=[o for o in _parents_for(org.level) if o[0] != org.id]),
              dict(name="on", label=gettext("Từ ngày"), type="date", required=True,
                   hint=gettext("Hồ sơ đã nộp giữ tuyến đã xác định; hồ sơ nộp từ ngày này đi theo tổ chức mới."))]
    values, errors = {"on": format_date(clock.today())}, {}
    if request.method == "POST":
        values = request.form
        day = _date_or_error(values, "on", errors)
        if not errors:
            try:
                with unit_of_work():
                    org_ops.move_organisation(current_user, org, _parent_from(values), on=day)
                flash(gettext("Đã chuyển %(org)s.", org=org.name), "success")
                return redirect(url_for(".organisation", org_id=org.id))
            except OperationError as exc:
                errors = _form_failed(exc)
                if "parent" in errors:
                    errors["parent_id"] = errors.pop("parent")
    return render_template("admin/organisation_form.html", title=gettext("Chuyển sang tổ chức cấp trên khác"),
                           org=org, fields=fields, values=values, errors=errors,
                           submit=gettext("Chuyển")), 422 if errors else 200


@bp.route("/organisations/<int:org_id>/end", methods=["GET", "POST"])
def end(org_id):
    """First a preview of what moves (plan_ending), then the ending itself once confirmed."""
    org = _org(org_id)
    successors = [(o.id, o.name) for o in subtree_on(current_user.organisation, clock.today())
                  if o.id != org.id and (o.level == org.level or LEVEL_RANK[o.level] > LEVEL_RANK[org.level])
                  and not (org.level == "grassroots" and o.level != "grassroots")]
    fields = [dict(name="on", label=gettext("Ngày hoạt động cuối cùng"), type="date", required=True),
              dict(name="successor_id", label=gettext("Đơn vị kế thừa"), type="select", options=successors,
                   hint=gettext("Tiếp nhận đơn vị trực thuộc, tài khoản và hồ sơ đang chờ.")),
              dict(name="reason", label=gettext("Căn cứ, lý do"), type="textarea")]
    values, errors, ending = {"on": format_date(clock.today())}, {}, None
    if request.method == "POST":
        values = request.form
        day = _date_or_error(values, "on", errors)
        successor = _parent_from(values, "successor_id")
        if values.get("successor_id") and (successor is None or successor.id not in dict(successors)):
            errors["successor_id"] = [gettext("Chọn đơn vị kế thừa thuộc phạm vi quản lý của bạn.")]
        if not errors:
            try:
                if values.get("confirmed") == "1":
                    with unit_of_work():
                        end_organisation(current_user, org, day, successor, values.get("reason", "")[:500])
                    flash(gettext("%(org)s đã kết thúc hoạt động.", org=org.name), "success")
                    return redirect(url_for(".organisation", org_id=org.id))
                ending = plan_ending(current_user, org, day, successor)
            except OperationError as exc:
                errors = _form_failed(exc)
                if "successor" in errors:
                    errors["successor_id"] = errors.pop("successor")
    return render_template("admin/organisation_end.html", org=org, fields=fields, values=values, errors=errors,
                           ending=ending), 422 if errors else 200
