"""Users of the admin's subtree: list with filters, create, edit, move, deactivate or reactivate, reset a password
(a temporary password, or a one-time link)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import clock
from ..audit.service import changes_of
from ..auth import operations as user_ops
from ..auth.models import ROLES, LoginAttempt, User
from ..errors import NotFound, OperationError
from ..extensions import db
from ..formatting import is_id, page_number, parse_whole
from ..orgs.models import Organisation
from ..orgs.operations import managed_ids
from ..orgs.tree import subtree_on
from ..transaction import unit_of_work
from . import bp

PER_PAGE = 50


def _user(user_id: int) -> User:
    try:
        return user_ops.managed_user(current_user, user_id)
    except NotFound:
        abort(404)


def _organisation_options():
    return [(o.id, o.name) for o in subtree_on(current_user.organisation, clock.today())]


@bp.get("/users")
def users():
    args = request.args
    query = sa.select(User).where(User.organisation_id.in_(managed_ids(current_user)))
    org_id = parse_whole(args.get("organisation_id", ""))
    if is_id(org_id):
        query = query.where(User.organisation_id == org_id)
    if args.get("role") in ROLES:
        query = query.where(User.role == args["role"])
    if args.get("active") in ("1", "0"):
        query = query.where(User.active == (args["active"] == "1"))
    for word in args.get("q", "").split()[:5]:
        pattern = f"%{word[:50]}%"
        query = query.where(sa.or_(User.username.ilike(pattern), User.full_name.ilike(pattern),
                                   User.email.ilike(pattern)))
    items = db.paginate(query.order_by(User.username), page=page_number(args.get("page"), PER_PAGE),
                        per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", items=items, orgs=_organisation_options(), ROLES=ROLES, args=args)


def _user_fields(with_username: bool):
    fields = [dict(name="username", label=gettext("Tên đăng nhập"), required=True, half=True,
                   hint=gettext("Chữ thường không dấu, không trùng."))] if with_username else []
    return fields + [
        dict(name="full_name", label=gettext("Họ và tên"), required=True, half=True),
        dict(name="job_title", label=gettext("Chức vụ"), half=True,
             hint=gettext("In sau họ tên người thẩm định trong biên bản thẩm định, ví dụ Chuyên viên Ban Chính "
                          "sách.")),
        dict(name="email", label=gettext("E-mail"), type="email"),
        dict(name="role", label=gettext("Vai trò"), type="select", required=True,
             options=[(code, gettext(label)) for code, label in ROLES.items()],
             hint=gettext("Cán bộ công đoàn cơ sở thuộc một công đoàn cơ sở; cán bộ cấp trên và quản trị thuộc "
                          "một tổ chức cấp trên.")),
    ] + ([] if with_username else [
        dict(name="signs_documents", label=gettext("Ký văn bản của đơn vị"), type="select", required=True,
             options=[("", gettext("Không")), ("1", gettext("Có"))],
             hint=gettext("Người được giao ký (người đứng đầu hoặc cấp phó ký thay): nhận văn bản trình ký và ký "
                          "số trước khi ban hành.")),
    ])


def _organisation_field():
    return dict(name="organisation_id", label=gettext("Tổ chức"), type="select", required=True,
                options=_organisation_options())


def _org_of(values) -> Organisation | None:
    org_id = parse_whole(values.get("organisation_id", ""))
    return db.session.get(Organisation, org_id) if is_id(org_id) else None


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    values, errors = dict(request.args), {}
    if request.method == "POST":
        values = request.form
        try:
            with unit_of_work():
                user, password = user_ops.create_user(
                    current_user, username=values.get("username"), full_name=values.get("full_name"),
                    role=values.get("role"), organisation=_org_of(values), email=values.get("email"),
                    job_title=values.get("job_title"))
            return render_template("admin/user_secret.html", user=user, password=password, link=None)
        except OperationError as exc:
            errors = exc.errors or {"": [exc.message]}
    return render_template("admin/user_form.html", title=gettext("Tạo tài khoản"), account=None,
                           fields=_user_fields(True) + [_organisation_field()], values=values, errors=errors,
                           submit=gettext("Tạo tài khoản")), 422 if errors else 200


RECENT_ATTEMPTS = 20


@bp.get("/users/<int:user_id>")
def user(user_id):
    account = _user(user_id)
    attempts = db.session.scalars(sa.select(LoginAttempt).where(LoginAttempt.user_id == account.id)
                                  .order_by(LoginAttempt.id.desc()).limit(RECENT_ATTEMPTS))
    return render_template("admin/user.html", account=account, changes=changes_of("user", account.id),
                           attempts=list(attempts), is_self=account.id == current_user.id)


@bp.post("/users/<int:user_id>/unlock")
def unlock_sign_in(user_id):
    account = _user(user_id)
    try:
        with unit_of_work():
            user_ops.unlock_sign_in(current_user, account)
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".user", user_id=account.id))
    flash(gettext("Đã gỡ tạm khóa đăng nhập của %(username)s.", username=account.username), "success")
    return redirect(url_for(".user", user_id=account.id))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id):
    account = _user(user_id)
    values, errors = {"full_name": account.full_name, "job_title": account.job_title or "",
                      "email": account.email or "", "role": account.role,
                      "signs_documents": "1" if account.signs_documents else ""}, {}
    if request.method == "POST":
        values = request.form
        try:
            with unit_of_work():
                user_ops.update_user(current_user, account, full_name=values.get("full_name"),
                                     job_title=values.get("job_title", ...), email=values.get("email"),
                                     role=values.get("role"), signs_documents=values.get("signs_documents", ...))
            flash(gettext("Đã lưu tài khoản %(username)s.", username=account.username), "success")
            return redirect(url_for(".user", user_id=account.id))
        except OperationError as exc:
            errors = exc.errors or {"": [exc.message]}
    return render_template("admin/user_form.html", title=gettext("Sửa tài khoản"), account=account,
                           fields=_user_fields(False), values=values, errors=errors,
                           submit=gettext("Lưu")), 422 if errors else 200


@bp.route("/users/<int:user_id>/move", methods=["GET", "POST"])
def move_user(user_id):
    account = _user(user_id)
    values, errors = {"organisation_id": str(account.organisation_id), "role": account.role}, {}
    if request.method == "POST":
        values = request.form
        try:
            with unit_of_work():
                user_ops.move_user(current_user, account, _org_of(values), values.get("role") or None)
            flash(gettext("Đã chuyển %(username)s sang %(org)s.", username=account.username,
                          org=account.organisation.name), "success")
            return redirect(url_for(".user", user_id=account.id))
        except OperationError as exc:
            errors = exc.errors or {"": [exc.message]}
    return render_template("admin/user_form.html", title=gettext("Chuyển đơn vị"), account=account,
                           fields=[_organisation_field(), _user_fields(False)[-1]], values=values, errors=errors,
                           submit=gettext("Chuyển")), 422 if errors else 200


@bp.post("/users/<int:user_id>/active")
def set_active(user_id):
    account = _user(user_id)
    active = request.form.get("active") == "1"
    try:
        with unit_of_work():
            user_ops.set_active(current_user, account, active)
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".user", user_id=account.id))
    flash(gettext("Đã mở lại tài khoản %(username)s.", username=account.username) if active else
          gettext("Đã khóa tài khoản %(username)s: mọi phiên đăng nhập và mã API của tài khoản đã kết thúc.",
                  username=account.username), "success")
    return redirect(url_for(".user", user_id=account.id))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id):
    """A temporary password or a one-time link, shown once on the answer page (never stored in clear)."""
    account = _user(user_id)
    try:
        with unit_of_work():
            if request.form.get("method") == "link":
                token = user_ops.issue_set_password_link(current_user, account)
                password, link = None, url_for("auth.set_password", token=token, _external=True)
            else:
                password, link = user_ops.reset_password(current_user, account), None
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".user", user_id=account.id))
    return render_template("admin/user_secret.html", user=account, password=password, link=link)
