"""Password guessing, held three ways, for the web's sign-in and the API's tokens alike:
- Flask-Limiter counts failed sign-ins per address and per account name (one count for both channels: switching
  gains no guesses) and answers 429 with a Retry-After past LOGIN_LIMIT_PER_ADDRESS / LOGIN_LIMIT_PER_ACCOUNT;
- the account counts its wrong passwords in a row; past LOGIN_LOCKOUT_FAILURES each further one locks its sign-in
  LOGIN_LOCKOUT_MINUTES, even to the right password, until then or until an admin lifts it (operations.unlock_sign_in);
- every attempt that reached a password check is kept a while (LoginAttempt); those the limiter turned away are
  logged only."""
from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import gettext
from flask_limiter import RateLimitExceeded
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db, limiter
from ..formatting import format_datetime
from ..transaction import unit_of_work
from .models import LoginAttempt, User

log = logging.getLogger(__name__)

# What the sign-in answers when credentials fail or the account is locked: the responses the limits count.
_FAILED = (401, 429)


class SignInRefused(Exception):
    def __init__(self, message: str, locked_until: datetime | None = None):
        super().__init__(message)
        self.message, self.locked_until = message, locked_until

    @property
    def status(self) -> int:
        return 429 if self.locked_until else 401

    @property
    def retry_after(self) -> int | None:
        """Seconds until the lock ends (the Retry-After of a locked account's answer)."""
        return max(1, math.ceil((self.locked_until - utcnow()).total_seconds())) if self.locked_until else None


@dataclass
class SignedIn:
    user: User
    failures_before: int  # wrong passwords since the account's previous sign-in: told to its owner
    last_failure_at: datetime | None


def _account_key() -> str:
    """The account name the request signs in with (form or JSON), as the per-account limit counts it."""
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    name = name.strip().lower()[:80] if isinstance(name, str) else ""
    return f"account:{name}" if name else ""  # empty: no name, nothing to count against (the address still counts)


def _address_key() -> str:
    """The address the per-address limit counts: an IPv6 address by its /64, which one subscriber holds whole (one
    home or office gets a /64 or more; counting each of its addresses would give it 2⁶⁴ counts)."""
    address = request.remote_addr or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return address
    if parsed.ipv4_mapped:  # an IPv4 client of a dual-stack server
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def _failed(response) -> bool:
    return response.status_code in _FAILED


def limited(view):
    """The sign-in limits on a view that takes credentials by POST; only failed attempts count, so an office of
    fifty behind one address signing in at eight does not lock itself out."""
    view = limiter.shared_limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="sign-in-account",
                                key_func=_account_key, methods=["POST"], deduct_when=_failed)(view)
    return limiter.shared_limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], scope="sign-in-address",
                                key_func=_address_key, methods=["POST"], deduct_when=_failed)(view)


def limit_message(exc: RateLimitExceeded) -> str:
    """The 429's message, in the user's language, saying how long to wait; logged for the trail."""
    current = limiter.current_limit
    seconds = max(1, int(current.reset_at - time.time()) if current else 60)  # as the Retry-After counts
    log.warning("sign-in limited: %s from %s on %s (%s)", _account_key() or "-", request.remote_addr,
                request.path, exc.description)
    return gettext("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.",
                   minutes=math.ceil(seconds / 60))


def sign_in(username: str, password: str, channel: str) -> SignedIn:
    """The account the credentials open, or SignInRefused; the attempt, the account's count of wrong passwords and
    its lock are written either way."""
    name = username.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.username == name)) if name else None
    if user is None:
        # Spend the same time as for a real user, so that timing does not tell which names exist.
        check_password_hash(_dummy_hash(), password)
        outcome = "unknown_user"
    elif user.sign_in_locked:
        outcome = "locked"  # no password is checked: the right one would open nothing now
    elif not user.check_password(password):
        outcome = "wrong_password"
    else:
        outcome = "success" if user.active else "inactive"
    signed_in = SignedIn(user, user.failed_logins, user.last_failed_login_at) if outcome == "success" else None
    with unit_of_work():
        _record(name, user, outcome, channel)
        if outcome == "wrong_password":
            _count_failure(user)
        elif outcome == "success" and (user.failed_logins or user.locked_until):
            user.clear_failed_logins()
    if signed_in:
        return signed_in
    if user is not None and user.sign_in_locked:
        raise SignInRefused(gettext(
            "Tài khoản %(username)s đang tạm khóa đăng nhập đến %(time)s vì nhập sai mật khẩu nhiều lần liên tiếp. "
            "Hãy thử lại sau thời điểm đó, hoặc nhờ quản trị viên gỡ tạm khóa.",
            username=user.username, time=format_datetime(user.locked_until)), user.locked_until)
    raise SignInRefused(gettext("Tên đăng nhập hoặc mật khẩu không đúng."))


def earlier_failures_notice(signed_in: SignedIn) -> str | None:
    """Told to the owner at sign-in: someone (perhaps they) tried wrong passwords since their last sign-in."""
    if not signed_in.failures_before:
        return None
    return gettext("Có %(count)s lần nhập sai mật khẩu vào tài khoản của bạn kể từ lần đăng nhập trước, lần gần "
                   "nhất lúc %(time)s. Nếu không phải bạn, hãy đổi mật khẩu.", count=signed_in.failures_before,
                   time=format_datetime(signed_in.last_failure_at))


def _record(name: str, user: User | None, outcome: str, channel: str) -> None:
    now = utcnow()
    db.session.add(LoginAttempt(at=now, username=name[:80], user_id=user.id if user else None,
                                address=(request.remote_addr or "-")[:45], channel=channel, outcome=outcome))
    retention = timedelta(days=current_app.config["LOGIN_ATTEMPT_RETENTION_DAYS"])
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - retention))


def _count_failure(user: User) -> None:
    """One more wrong password, counted in the row itself (two guesses at once both count); from the threshold on,
    each locks the account's sign-in anew."""
    now = utcnow()
    failures = User.failed_logins + 1
    lock = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    db.session.execute(
        sa.update(User).where(User.id == user.id)
        .values(failed_logins=failures, last_failed_login_at=now,
                locked_until=sa.case((failures >= current_app.config["LOGIN_LOCKOUT_FAILURES"], lock),
                                     else_=User.locked_until))
        .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(user, ["failed_logins", "last_failed_login_at", "locked_until"])


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password", method=current_app.config["PASSWORD_HASH_METHOD"])
