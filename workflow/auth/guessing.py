"""Password guessing, held three ways, for the web's sign-in and the API's tokens alike:
- Flask-Limiter counts attempts per account name and failed ones per address (one count for both channels:
  switching gains no guesses) and answers 429 with a Retry-After past LOGIN_LIMIT_PER_ACCOUNT /
  LOGIN_LIMIT_PER_ADDRESS (`limited`);
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
from flask_babel import gettext, ngettext
from flask_limiter import RateLimitExceeded
from limits import parse_many
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db, limiter
from ..formatting import format_datetime
from ..transaction import unit_of_work
from .models import LoginAttempt, User

log = logging.getLogger(__name__)

# What the sign-in answers when credentials fail or the account is locked: the responses the limits count.
_FAILED = (401, 429)
ACCOUNT_SCOPE, ADDRESS_SCOPE = "sign-in-account", "sign-in-address"  # one count for the web and the API each


class SignInRefused(Exception):
    """401 for credentials that open nothing, 429 for too many attempts (of the limiter, or the account's lock)."""

    def __init__(self, message: str, status: int = 401, locked_until: datetime | None = None,
                 wait: int | None = None):
        super().__init__(message)
        self.message, self.status, self.locked_until, self.wait = message, status, locked_until, wait

    @property
    def retry_after(self) -> int | None:
        """Seconds until the lock ends (the Retry-After of a locked account's answer)."""
        if self.locked_until:
            return max(1, math.ceil((self.locked_until - utcnow()).total_seconds()))
        return self.wait


@dataclass
class SignedIn:
    user: User
    failures_before: int  # wrong passwords since the account's previous sign-in: told to its owner
    last_failure_at: datetime | None


def _account_name(name) -> str:
    """An account name as typed, as the accounts hold it (lower case, no spaces around); "" for no name."""
    return name.strip().lower()[:80] if isinstance(name, str) else ""


def _account_key_of(name: str) -> str:
    return f"account:{name}"


def _account(name: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == name)) if name else None


def _account_key() -> str:
    """The account name the request signs in with (form or JSON), as the per-account limit counts it."""
    if request.is_json:
        body = request.get_json(silent=True)
        name, password = (body.get("username"), body.get("password")) if isinstance(body, dict) else (None, None)
    else:
        name, password = request.form.get("username"), request.form.get("password")
    if not isinstance(password, str) or not password:
        # No password to check: nothing to count against the account (else one address, sending names alone,
        # would spend every owner's count without a failure of its own to count).
        return ""
    name = _account_name(name)
    return _account_key_of(name) if name else ""  # no name, nothing to count against (the address still counts)


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
    """The sign-in limits on a view that takes credentials by POST.
    - Per account, every attempt counts, before its password is checked (Flask-Limiter's hit is atomic: attempts
      sent at once get no more checks than the limit); a sign-in clears the account's count (forget_failures).
    - Per address, only failed attempts count, so that an office of fifty behind one address signing in at eight
      is not held back; they are counted after the check, so attempts from one address in flight together may
      each pass (as many as the server runs at once), while the account's limits above still hold them."""
    view = limiter.shared_limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope=ACCOUNT_SCOPE,
                                key_func=_account_key, methods=["POST"])(view)
    return limiter.shared_limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], scope=ADDRESS_SCOPE,
                                key_func=_address_key, methods=["POST"], deduct_when=_failed)(view)


def forget_failures(user: User) -> None:
    """A sign-in, or an admin's act on the account (unlock, a reset password): its wrong passwords no longer count,
    neither in its row nor in the limiter's count of the account."""
    user.clear_failed_logins()
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        limiter.limiter.clear(item, _account_key_of(user.username), ACCOUNT_SCOPE)


def limit_refusal(exc: RateLimitExceeded) -> SignInRefused:
    """Why a 429 of the limiter, in the user's language: the account's lock when it is locked (a longer wait than
    the limiter's), else how long to wait; logged for the trail."""
    key = _account_key()
    log.warning("sign-in limited: %s from %s on %s (%s)", key or "-", request.remote_addr, request.path,
                exc.description)
    user = _account(key.removeprefix(_account_key_of("")))
    if user is not None and user.sign_in_locked:
        return _locked(user)
    current = limiter.current_limit
    seconds = max(1, int(current.reset_at - time.time()) if current else 60)
    minutes = math.ceil(seconds / 60)
    return SignInRefused(ngettext("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(num)s phút.",
                                  "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(num)s phút.", minutes), 429,
                         wait=seconds)


def sign_in(username: str, password: str, channel: str) -> SignedIn:
    """The account the credentials open, or SignInRefused; the attempt, the account's count of wrong passwords and
    its lock are written either way."""
    name = _account_name(username)
    user = _account(name)
    if user is None:
        # Spend the same time as for a real user, so that timing does not tell which names exist.
        check_password_hash(_dummy_hash(), password)
        outcome, earlier = "unknown_user", None
    else:
        earlier = _claim(user)
        if earlier is None:
            outcome = "locked"  # no password is checked: the right one would open nothing now
        elif not user.check_password(password):
            outcome = "wrong_password"
        else:
            outcome = "success" if user.active else "inactive"
    _settle(name, user, outcome, channel)
    if outcome == "success":
        return SignedIn(user, *earlier)
    if user is not None and user.sign_in_locked:
        raise _locked(user)
    raise SignInRefused(gettext("Tên đăng nhập hoặc mật khẩu không đúng."))


def current_password_holds(user: User, password: str) -> bool:
    """The current password asked before a change, counted and locked as a sign-in is: whoever holds a session (a
    copied cookie) gets no more guesses at the password here than at the sign-in. SignInRefused while locked."""
    if _claim(user) is None:
        _settle(user.username, user, "locked", "pwd")
        raise _locked(user)
    holds = user.check_password(password)
    _settle(user.username, user, "success" if holds else "wrong_password", "pwd")
    if not holds and user.sign_in_locked:
        raise _locked(user)
    return holds


def earlier_failures_notice(signed_in: SignedIn) -> str | None:
    """Told to the owner at sign-in: someone (perhaps they) tried wrong passwords since their last sign-in."""
    if not signed_in.failures_before:
        return None
    return gettext("Có %(count)s lần nhập sai mật khẩu vào tài khoản của bạn kể từ lần đăng nhập trước, lần gần "
                   "nhất lúc %(time)s. Nếu không phải bạn, hãy đổi mật khẩu.", count=signed_in.failures_before,
                   time=format_datetime(signed_in.last_failure_at))


def _locked(user: User) -> SignInRefused:
    return SignInRefused(gettext(
        "Tài khoản %(username)s đang tạm khóa đăng nhập đến %(time)s vì nhập sai mật khẩu nhiều lần liên tiếp. "
        "Hãy thử lại sau thời điểm đó, hoặc nhờ quản trị viên gỡ tạm khóa.",
        username=user.username, time=format_datetime(user.locked_until)), 429, user.locked_until)


def _claim(user: User) -> tuple[int, datetime | None] | None:
    """Count this attempt as a wrong password before its password is checked, in one conditional UPDATE of the
    account's row: attempts sent at once each take their own number, and the one that reaches the threshold puts
    the lock in place before its password is checked, so no attempt in flight gets a check it should not (a right
    password then lifts it: _settle). None while the account is locked, else the wrong passwords before this
    attempt and when the last was."""
    earlier = user.last_failed_login_at
    now = utcnow()
    failures = User.failed_logins + 1
    lock = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    with unit_of_work():
        claimed = db.session.execute(
            sa.update(User)
            .where(User.id == user.id, sa.or_(User.locked_until.is_(None), User.locked_until <= now))
            .values(failed_logins=failures,
                    locked_until=sa.case((failures >= current_app.config["LOGIN_LOCKOUT_FAILURES"], lock),
                                         else_=User.locked_until))
            .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(user)
    return (user.failed_logins - 1, earlier) if claimed else None


def _settle(name: str, user: User | None, outcome: str, channel: str) -> None:
    """Keep the attempt; a wrong password stays counted (by _claim) and is dated, a right one clears the count."""
    now = utcnow()
    with unit_of_work():
        db.session.add(LoginAttempt(at=now, username=name, user_id=user.id if user else None,
                                    address=(request.remote_addr or "-")[:45], channel=channel, outcome=outcome))
        retention = timedelta(days=current_app.config["LOGIN_ATTEMPT_RETENTION_DAYS"])
        db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - retention))
        if outcome == "wrong_password":
            user.last_failed_login_at = now
        elif outcome == "success":
            forget_failures(user)


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password", method=current_app.config["PASSWORD_HASH_METHOD"])
