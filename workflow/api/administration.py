"""The API of the administration, for integrations: organisations and users (admins, same scope and validation as
the screens: workflow/orgs/operations.py, workflow/auth/operations.py), and the rule sets in force for the caller."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from functools import wraps

import sqlalchemy as sa
from flask import g, request, url_for
from flask_babel import gettext

from .. import clock
from ..auth import operations as user_ops
from ..auth.models import User
from ..dossiers.kinds import KINDS
from ..dossiers.rules import rule_set_for
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..formatting import is_id, page_number, parse_whole
from ..orgs import operations as org_ops
from ..orgs.models import Organisation
from ..transaction import unit_of_work
from . import bp
from .routes import json_body, token_required
from .serializers import iso, org_ref, organisation_json, rule_set_json

HEADER_FIELDS = tuple(org_ops.HEADER_FIELDS)
FLAG_FIELDS = tuple(org_ops.FLAG_FIELDS)  # booleans in the API (the form's "1"/"" are not taken here)


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.api_user.role != "admin":
            raise Forbidden(gettext("Chỉ quản trị hệ thống dùng được chức năng này."))
        return view(*args, **kwargs)
    return wrapper


def _day(body: dict, field: str) -> date | None:
    value = body.get(field)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad_day(field)
    except ValueError:
        return _bad_day(field)


def _bad_day(field: str):
    raise Invalid(gettext("Ngày không hợp lệ."), {field: [gettext("Nhập ngày theo dạng YYYY-MM-DD.")]})


def _organisation_of(body: dict, field: str) -> Organisation | None:
    value = body.get(field)
    if value is None:
        return None
    org = db.session.get(Organisation, value) if is_id(value) else None
    if org is None or not org_ops.manages(g.api_user, org):
        raise Invalid(gettext("Tổ chức không hợp lệ."), {field: [gettext(
            "Chọn một tổ chức thuộc phạm vi quản lý của bạn.")]})
    return org


def _flags(body: dict) -> dict:
    """The yes/no settings given, each a JSON boolean."""
    wrong = {field: [gettext("Phải là đúng hoặc sai.")] for field in FLAG_FIELDS
             if field in body and not isinstance(body[field], bool)}
    if wrong:
        raise Invalid(gettext("Có trường không hợp lệ."), wrong)
    return {field: body[field] for field in FLAG_FIELDS if field in body}


def _refuse_unknown(body: dict, known) -> None:
    unknown = set(body) - set(known)
    if unknown:
        raise Invalid(gettext("Có trường không hợp lệ."), {field: [gettext("Không có trường này.")]
                                                           for field in sorted(unknown)})


@contextmanager
def _parent_as_parent_id():
    """The operations name the parent `parent` (the screens' field); the API's body calls it `parent_id`."""
    try:
        yield
    except Invalid as exc:
        if "parent" in exc.errors:
            exc.errors["parent_id"] = exc.errors.pop("parent")
        raise


def organisation_detail(org: Organisation) -> dict:
    return organisation_json(org) | {field: getattr(org, field) for field in ("header_name", *HEADER_FIELDS,
                                                                               *FLAG_FIELDS, "signed_by_signer")} | {
        "former_names": [{"name": f.name, "header_name": f.header_name, "valid_to": iso(f.valid_to)}
                         for f in org.former_names]}


@bp.get("/organisations/<int:org_id>")
@token_required
@admin_required
def organisation(org_id):
    return organisation_detail(org_ops.managed_organisation(g.api_user, org_id))


@bp.post("/organisations")
@token_required
@admin_required
def create_organisation():
    """`{"code", "name", "level", "parent_id", "valid_from"?, "header_name"?, <header fields>?,
    "record_approval"?}`"""
    body = json_body()
    _refuse_unknown(body, {"code", "name", "level", "parent_id", "valid_from", "header_name", *HEADER_FIELDS,
                           *FLAG_FIELDS})
    flags = _flags(body)
    with unit_of_work(), _parent_as_parent_id():
        parent = _organisation_of(body, "parent_id")
        org = org_ops.create_organisation(
            g.api_user, code=body.get("code"), name=body.get("name"), level=body.get("level"), parent=parent,
            valid_from=_day(body, "valid_from"), header_name=body.get("header_name"),
            **{field: body[field] for field in HEADER_FIELDS if field in body}, **flags)
    return organisation_detail(org), 201


@bp.patch("/organisations/<int:org_id>")
@token_required
@admin_required
def change_organisation(org_id):
    """Any of: the header fields and `record_approval`; `{"name"?, "header_name"?, "short_header_name"?, "on"?}` to
    rename from a date
    (the header name alone: the same name, a new header); `{"parent_id", "on"?}` to place under another parent
    from a date. Ending stays on the screen and the CLI, which preview what moves."""
    body = json_body()
    org = org_ops.managed_organisation(g.api_user, org_id)
    _refuse_unknown(body, {"name", "header_name", "on", "parent_id", *HEADER_FIELDS, *FLAG_FIELDS,
                           "signed_by_signer"})
    flags = _flags(body)
    with unit_of_work(), _parent_as_parent_id():
        on = _day(body, "on")
        header = {field: body[field] for field in HEADER_FIELDS if field in body and field != "short_header_name"}
        header.update(flags)
        if "signed_by_signer" in body:  # the document types its steps present to the signer (signing/step.py)
            header["signed_by_signer"] = body["signed_by_signer"]
        if "name" in body or "header_name" in body:
            org_ops.rename_organisation(g.api_user, org, name=body.get("name", org.name),
                                        header_name=body.get("header_name"),
                                        short_header_name=body.get("short_header_name"),  # a new name's own
                                        on=on)
        elif "short_header_name" in body:
            header["short_header_name"] = body["short_header_name"]
        if header:
            org_ops.update_header(g.api_user, org, **header)
        if "parent_id" in body:
            org_ops.move_organisation(g.api_user, org, _organisation_of(body, "parent_id"), on=on)
    return organisation_detail(org)


def user_json(user: User) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "job_title": user.job_title,
            "email": user.email, "role": user.role, "organisation": org_ref(user.organisation), "active": user.active,
            "must_change_password": user.must_change_password, "signs_documents": user.signs_documents,
            "sign_in_locked_until": iso(user.locked_until) if user.sign_in_locked else None,
            "failed_logins": user.failed_logins}


@bp.get("/users")
@token_required
@admin_required
def users():
    """The accounts of the admin's subtree; filters `organisation_id`, `role`, `active` (true/false)."""
    query = sa.select(User).where(User.organisation_id.in_(org_ops.managed_ids(g.api_user)))
    args = request.args
    org_id = parse_whole(args.get("organisation_id", ""))
    if args.get("organisation_id") and not is_id(org_id):
        raise Invalid(gettext("Tham số không hợp lệ."), {"organisation_id": [gettext("Phải là một mã số.")]})
    if org_id:
        query = query.where(User.organisation_id == org_id)
    if args.get("role"):
        query = query.where(User.role == args["role"])
    if args.get("active") in ("true", "false"):
        query = query.where(User.active == (args["active"] == "true"))
    per_page = min(max(args.get("per_page", 100, type=int), 1), 1000)
    page = db.paginate(query.order_by(User.username), page=page_number(args.get("page", 1, type=int), per_page),
                       per_page=per_page, max_per_page=None, error_out=False)
    return {"users": [user_json(u) for u in page.items], "page": page.page, "per_page": per_page,
            "pages": page.pages, "total": page.total}


@bp.get("/users/<int:user_id>")
@token_required
@admin_required
def user(user_id):
    return user_json(user_ops.managed_user(g.api_user, user_id))


@bp.post("/users")
@token_required
@admin_required
def create_user():
    """`{"username", "full_name", "role", "organisation_id", "email"?, "job_title"?}` → 201, the account and a
    one-time link to set its password (`set_password_url`), shown this once."""
    body = json_body()
    _refuse_unknown(body, {"username", "full_name", "role", "organisation_id", "email", "job_title"})
    with unit_of_work():
        organisation = _organisation_of(body, "organisation_id")
        if organisation is None:
            raise Invalid(gettext("Chưa thể tạo tài khoản."), {"organisation_id": [gettext("Bắt buộc.")]})
        account, _ = user_ops.create_user(g.api_user, username=body.get("username"),
                                          full_name=body.get("full_name"), role=body.get("role"),
                                          organisation=organisation, email=body.get("email"),
                                          job_title=body.get("job_title"), by_link=True)
    link = url_for("auth.set_password", token=user_ops.set_password_link_token(account), _external=True)
    return user_json(account) | {"set_password_url": link}, 201


@bp.patch("/users/<int:user_id>")
@token_required
@admin_required
def change_user(user_id):
    """Any of `full_name`, `job_title`, `email`, `role`, `organisation_id` (a move), `active` (false: every session
    and token of the account ends at once)."""
    body = json_body()
    account = user_ops.managed_user(g.api_user, user_id)
    _refuse_unknown(body, {"full_name", "job_title", "email", "role", "organisation_id", "active", "signs_documents"})
    if "active" in body and not isinstance(body["active"], bool):
        raise Invalid(gettext("Có trường không hợp lệ."), {"active": [gettext("Phải là đúng hoặc sai.")]})
    with unit_of_work():
        if "organisation_id" in body:
            user_ops.move_user(g.api_user, account, _organisation_of(body, "organisation_id"), body.get("role"))
        if {"full_name", "job_title", "email", "signs_documents"} & set(body) or (
                "role" in body and "organisation_id" not in body):
            user_ops.update_user(g.api_user, account, full_name=body.get("full_name"),
                                 job_title=body.get("job_title", ...), email=body.get("email", ...),
                                 role=body.get("role"), signs_documents=body.get("signs_documents", ...))
        if "active" in body:
            user_ops.set_active(g.api_user, account, body["active"])
    return user_json(account)


@bp.post("/users/<int:user_id>/unlock")
@token_required
@admin_required
def unlock_user(user_id):
    account = user_ops.managed_user(g.api_user, user_id)
    with unit_of_work():
        user_ops.unlock_sign_in(g.api_user, account)
    return user_json(account)


@bp.get("/rule-sets")
@token_required
def rule_sets():
    """The rule set of each kind in force today for the caller's organisation, so that a client can offer the
    occasions and caps."""
    today = clock.today()
    found = {code: rule_set_for(code, g.api_user.organisation, today) for code in KINDS}
    return {"rule_sets": [rule_set_json(r) for r in found.values() if r is not None], "on": today.isoformat()}

