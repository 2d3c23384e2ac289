"""Administering accounts: create, edit, move to another organisation, deactivate (every session and token ends at
once; the history keeps the name), reset a password (a temporary one to change at first sign-in, or a one-time
link). Screens, API, import and CLI call these; each change writes an audit row in the same transaction."""
from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..audit.service import record, snapshot
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..formatting import format_datetime
from ..orgs.models import Organisation
from ..orgs.operations import clean_text, is_operator, managed_ids, manages, unique_or_invalid
from . import guessing
from .models import ROLES, User

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
AUDITED = ("username", "full_name", "job_title", "role", "email", "active", "organisation_id", "signs_documents")
SET_PASSWORD_LINK_DAYS = 3


def role_fits(role: str, org: Organisation) -> bool:
    """An officer acts for a grassroots union; staff and admins for an upper organisation."""
    return (org.level == "grassroots") == (role == "officer")


def managed_user(actor, user_id) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.organisation_id not in managed_ids(actor):
        raise NotFound(gettext("Không tìm thấy tài khoản."))
    return user


def temporary_password() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, about 72 bits


def _check_fields(errors: dict, *, full_name, email, role, organisation, actor) -> tuple[str, str | None]:
    full_name = clean_text(full_name, "full_name", errors, low=2, high=120)
    email = clean_text(email, "email", errors, low=0, high=254, required=False).lower() or None
    if email and not EMAIL_PATTERN.match(email):
        errors["email"] = [gettext("Địa chỉ e-mail không hợp lệ.")]
    if role not in ROLES:
        errors["role"] = [gettext("Chọn vai trò.")]
    if organisation is None or not manages(actor, organisation) or organisation.valid_to is not None:
        errors["organisation_id"] = [gettext("Chọn một tổ chức đang hoạt động thuộc phạm vi quản lý của bạn.")]
    elif role in ROLES and not role_fits(role, organisation):
        errors["role"] = [gettext("Cán bộ công đoàn cơ sở thuộc một công đoàn cơ sở; cán bộ cấp trên và quản trị "
                                  "thuộc một tổ chức cấp trên.")]
    return full_name, email


def _job_title(value, errors: dict) -> str:
    """The position a review record prints after the reviewer's name ("Chuyên viên Ban Chính sách"); may be empty."""
    return clean_text(value, "job_title", errors, low=0, high=100, required=False)


def create_user(actor, *, username, full_name, role, organisation, email=None, job_title=None,
                password: str | None = None, by_link: bool = False) -> tuple[User, str | None]:
    """A new account that must change its password at first sign-in. Returns it and its temporary password, or
    None `by_link`: then no password opens it, only a one-time link (set_password_link_token), and no slow hash is
    computed for a password nobody would know (an import of hundreds of accounts)."""
    errors: dict[str, list[str]] = {}
    username = clean_text(username, "username", errors, low=3, high=80).lower()
    if "username" not in errors and not USERNAME_PATTERN.match(username):
        errors["username"] = [gettext("Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số, dấu chấm, gạch ngang, "
                                      "gạch dưới (3 đến 80 ký tự).")]
    elif "username" not in errors and db.session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = [gettext("Tên đăng nhập %(username)s đã được dùng.", username=username)]
    full_name, email = _check_fields(errors, full_name=full_name, email=email, role=role, organisation=organisation,
                                     actor=actor)
    job_title = _job_title(job_title, errors)
    if password is not None:
        check_new_password(password, errors)
    if errors:
        raise Invalid(gettext("Chưa thể tạo tài khoản."), errors)
    user = User(username=username, full_name=full_name, job_title=job_title, role=role, organisation=organisation,
                email=email, must_change_password=True)
    if by_link:
        password = None
        user.set_unusable_password()
    else:
        password = password or temporary_password()
        user.set_password(password)
    with unique_or_invalid("username", gettext("Tên đăng nhập %(username)s đã được dùng.", username=username)):
        db.session.add(user)
    record(actor, "user.create", "user", user.id, organisation.id, None, snapshot(user, AUDITED))
    return user, password


def update_user(actor, user: User, *, full_name=None, email=..., role=None, job_title=...,
                signs_documents=...) -> User:
    """Change an account's name, position (`job_title`), e-mail, role (within what its organisation allows) or
    whether it signs its organisation's documents (the signer of signing/step.py)."""
    _require(actor, user)
    errors: dict[str, list[str]] = {}
    full_name, new_email = _check_fields(
        errors, full_name=user.full_name if full_name is None else full_name,
        email=user.email if email is ... else email, role=role or user.role, organisation=user.organisation,
        actor=actor)
    job_title = _job_title(user.job_title if job_title is ... else job_title, errors)
    if signs_documents in ("", "0", None):
        signs_documents = False
    elif signs_documents in ("1", "on"):
        signs_documents = True
    elif signs_documents is ...:
        signs_documents = user.signs_documents
    if not isinstance(signs_documents, bool):
        errors["signs_documents"] = [gettext("Phải là đúng hoặc sai.")]
    elif signs_documents and (role or user.role) != "staff" and (role or user.role) != "officer":
        errors["signs_documents"] = [gettext("Chỉ cán bộ của một tổ chức công đoàn được giao ký văn bản.")]
    if errors:
        raise Invalid(gettext("Chưa thể sửa tài khoản."), errors)
    before = snapshot(user, AUDITED)
    user.full_name, user.email, user.role = full_name, new_email, role or user.role
    user.job_title, user.signs_documents = job_title, signs_documents
    if before["role"] != user.role:
        user.end_sessions()  # what the account may do changed: sign in again
    after = snapshot(user, AUDITED)
    if before != after:
        record(actor, "user.update", "user", user.id, user.organisation_id, before, after)
    return user


def move_user(actor, user: User, organisation: Organisation | None, role: str | None = None) -> User:
    _require(actor, user)
    errors: dict[str, list[str]] = {}
    role = role or user.role
    _check_fields(errors, full_name=user.full_name, email=user.email, role=role, organisation=organisation,
                  actor=actor)
    if not errors and organisation.id == user.organisation_id:
        errors["organisation_id"] = [gettext("Tài khoản đã thuộc tổ chức này.")]
    if errors:
        raise Invalid(gettext("Chưa thể chuyển tài khoản."), errors)
    before = snapshot(user, AUDITED)
    user.organisation, user.role = organisation, role
    user.end_sessions()  # sessions opened for the old organisation would show its pages
    db.session.flush()
    record(actor, "user.move", "user", user.id, organisation.id, before, snapshot(user, AUDITED))
    return user


def set_active(actor, user: User, active: bool) -> User:
    """Deactivate (sessions and tokens end at once; the history keeps the name) or reactivate an account."""
    _require(actor, user)
    if user.active == active:
        return user
    before = snapshot(user, AUDITED)
    user.active = active
    if not active:
        user.end_sessions()
    record(actor, "user.reactivate" if active else "user.deactivate", "user", user.id, user.organisation_id,
           before, snapshot(user, AUDITED))
    return user


def unlock_sign_in(actor, user: User) -> User:
    """Lift the lock wrong passwords put on the account's sign-in (guessing.py), and forget them."""
    _require(actor, user)
    # The time as people read it (Vietnam's, dd/mm/yyyy): the audit shows values as they are stored.
    before = {"locked_until": format_datetime(user.locked_until) if user.sign_in_locked else None,
              "failed_logins": user.failed_logins}
    guessing.forget_failures(user)  # the limiter's count of the account too, which the row does not show
    if before == {"locked_until": None, "failed_logins": 0}:
        return user
    record(actor, "user.unlock", "user", user.id, user.organisation_id, before,
           {"locked_until": None, "failed_logins": 0})
    return user


def reset_password(actor, user: User) -> str:
    """A temporary password the user must change at first sign-in; the old one and every session end."""
    _require(actor, user)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    guessing.forget_failures(user)  # the guesses were at a password that no longer opens anything
    user.end_sessions()
    record(actor, "user.reset_password", "user", user.id, user.organisation_id, None, {"method": "temporary"})
    return password


def set_password_link_token(user: User) -> str:
    """A link's token that sets the account's password once: it names the current password hash and session
    version, so it stops working when the password changes (used, or reset again), when the account is
    deactivated (even if reactivated later), and after SET_PASSWORD_LINK_DAYS."""
    return _serializer().dumps({"user": user.id, "hash": user.password_hash[-16:], "sessions": user.session_version})


def user_of_link(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=SET_PASSWORD_LINK_DAYS * 86400)
    except BadSignature:
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) and isinstance(data.get("user"), int) \
        else None
    if (user is None or not user.active or user.password_hash[-16:] != data.get("hash")
            or user.session_version != data.get("sessions")):
        return None
    return user


def hand_out_link(actor, user: User, context: str) -> str:
    """A link for an account still waiting for its first password (an import's result), recorded as handed out."""
    record(actor, "user.reset_password", "user", user.id, user.organisation_id, None,
           {"method": "link", "context": context})
    return set_password_link_token(user)


def issue_set_password_link(actor, user: User) -> str:
    """Reset by link: the old password stops working now; the token goes to the user (by the admin)."""
    _require(actor, user)
    user.set_unusable_password()  # only the link opens the account
    user.must_change_password = True
    guessing.forget_failures(user)
    user.end_sessions()
    record(actor, "user.reset_password", "user", user.id, user.organisation_id, None, {"method": "link"})
    db.session.flush()
    return set_password_link_token(user)


def check_new_password(password, errors: dict, field: str = "password") -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        errors[field] = [gettext("Mật khẩu cần ít nhất %(length)s ký tự.", length=MIN_PASSWORD_LENGTH)]
    elif len(password) > 200 or "\x00" in password:
        errors[field] = [gettext("Mật khẩu không hợp lệ.")]


def change_password(user: User, new_password: str, repeated: str) -> None:
    """The user's own new password: every other session and token ends, this one goes on (the caller logs it in
    again with the new session version)."""
    errors: dict[str, list[str]] = {}
    check_new_password(new_password, errors)
    if not errors and new_password != repeated:
        errors["repeated"] = [gettext("Hai lần nhập mật khẩu mới không khớp.")]
    if not errors and user.check_password(new_password):
        errors["password"] = [gettext("Mật khẩu mới phải khác mật khẩu cũ.")]
    if errors:
        raise Invalid(gettext("Chưa thể đổi mật khẩu."), errors)
    user.set_password(new_password)
    user.must_change_password = False
    guessing.forget_failures(user)
    user.end_sessions()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="set-password")


def _require(actor, user: User) -> None:
    if user.organisation_id not in managed_ids(actor):
        raise NotFound(gettext("Không tìm thấy tài khoản."))
    if not is_operator(actor) and user.id == actor.id:
        raise Forbidden(gettext("Không thể tự thay đổi tài khoản của mình ở đây; dùng trang Đổi mật khẩu."))
