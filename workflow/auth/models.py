from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from ..i18n import N_
from ..orgs.models import Organisation

# Each user acts for one organisation: an officer for a grassroots union; federation staff for an upper
# organisation, doing whatever a dossier's route gives that organisation at its step; an admin acts on no dossier.
# Labels are msgids: translated where shown (`_(current_user.role_label)`).
ROLES = {
    "officer": N_("Cán bộ công đoàn cơ sở"),
    "staff": N_("Cán bộ công đoàn cấp trên"),
    "admin": N_("Quản trị hệ thống"),
}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (sa.CheckConstraint("role IN ({})".format(", ".join(f"'{r}'" for r in ROLES)), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    full_name: Mapped[str] = mapped_column(sa.String(120))
    job_title: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")  # a record's signer
    role: Mapped[str] = mapped_column(sa.String(20))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))  # notifications are mailed here when SMTP is set
    locale: Mapped[str | None] = mapped_column(sa.String(8))  # None: the site's default (Vietnamese)
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Part of the session's user id (get_id): raising it ends every session of the account at once.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Signs its organisation's documents (the head, or a deputy as the organisation's signing block says).
    signs_documents: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Wrong passwords since the last sign-in; from LOGIN_LOCKOUT_FAILURES on, each one locks sign-in for a while
    # (auth/guessing.py), even to the right password, until then or until an admin lifts it.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failed_login_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()

    @property
    def is_active(self):
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Every session and API token of the account ends now (deactivation, a new password, logout)."""
        self.session_version += 1
        db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == self.id))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def set_unusable_password(self) -> None:
        """No password opens the account (werkzeug finds no method in the hash); a random tail keeps one-time
        links, which name the hash's tail, distinct."""
        self.password_hash = "!" + secrets.token_urlsafe(32)

    @property
    def opened_only_by_link(self) -> bool:
        return self.password_hash.startswith("!")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def sign_in_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    def clear_failed_logins(self) -> None:
        """A sign-in, or an admin's act on the account: wrong passwords counted so far no longer lead to a lock."""
        self.failed_logins, self.locked_until = 0, None

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    def __repr__(self):
        return f"<User {self.username}>"


class Operator:
    """Whoever runs the server's commands (`flask end-organisation`): acts on the tree, recorded as no user."""

    id = None
    role = "operator"
    organisation_id = None
    full_name = N_("Quản trị máy chủ")


OPERATOR = Operator()


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak does not leak tokens."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        token = secrets.token_urlsafe(32)
        db.session.execute(sa.delete(cls).where(cls.expires_at < utcnow()))  # expired tokens are purged, not kept
        row = cls(user=user, token_hash=cls.hash(token), expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"])
        db.session.add(row)
        return row, token

    @classmethod
    def find_user(cls, token: str) -> User | None:
        row = db.session.scalar(sa.select(cls).where(cls.token_hash == cls.hash(token)))
        if row is None or row.expires_at < utcnow() or not row.user.active:
            return None
        return row.user


# How a sign-in attempt ended (msgids, shown to admins on the account's page).
ATTEMPT_OUTCOMES = {
    "success": N_("Đúng mật khẩu"),
    "wrong_password": N_("Sai mật khẩu"),
    "unknown_user": N_("Không có tài khoản này"),
    "inactive": N_("Tài khoản đã khóa"),
    "locked": N_("Đang tạm khóa đăng nhập"),
}


class LoginAttempt(db.Model):
    """Every sign-in attempt that reached a password check (web and API), kept LOGIN_ATTEMPT_RETENTION_DAYS: what an
    admin reads on an account's page, and the trail of a guessing attack. Attempts the rate limiter turned away are
    only logged (writing a row for each would let a flood fill the database)."""

    __tablename__ = "login_attempt"
    __table_args__ = (sa.CheckConstraint("outcome IN ({})".format(", ".join(f"'{o}'" for o in ATTEMPT_OUTCOMES)),
                                         name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(sa.String(80))  # as submitted (cut to 80), also when no account has it
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(sa.String(45))
    channel: Mapped[str] = mapped_column(sa.String(3))  # "web", "api", or "pwd" (the current password at a change)
    outcome: Mapped[str] = mapped_column(sa.String(20))

    @property
    def outcome_label(self) -> str:
        return ATTEMPT_OUTCOMES[self.outcome]
