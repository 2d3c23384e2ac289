"""Reads of read-heavy pages from a PostgreSQL streaming replica, when DATABASE_REPLICA_URL names one.

Opt-in per view (`@reads_from_replica`, under `@login_required`); everything else reads and writes the primary.
A request reads the replica only while all of these hold:
- the view asked for it, and the signed-in user was loaded from the primary first (an ended session or a
  deactivated account is never judged on a replica that lags);
- the request has not written (no flush, no INSERT/UPDATE/DELETE, no unit of work under way): from its first write
  on, every read of the request goes to the primary (`RoutingSession.get_bind`);
- the same user has not written in the last REPLICA_READ_YOUR_WRITES_SECONDS (read-your-writes): the time of their
  last write is kept in their session cookie and, for every host and the API alike, in Redis when one is
  configured (HUEY_REDIS_URL, or RATELIMIT_STORAGE_URI when redis://), else in this process;
- the replica answered last time: a replica that cannot be reached is logged, the page is read again from the
  primary, and the replica is left alone for REPLICA_RETRY_AFTER_SECONDS.

No import from the package at module level: extensions.py imports RoutingSession from here.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, has_request_context, session
from flask_sqlalchemy.session import Session as FlaskSession

log = logging.getLogger(__name__)

SESSION_KEY = "_wrote_at"  # in the signed session cookie: when this browser's user last wrote
REDIS_KEY = "union-workflow:wrote:{user_id}"

_local_marks: dict[int, float] = {}  # user id -> last write (monotonic per host: time.time()), without Redis
_down_until: dict[str, float] = {}  # replica URL -> time before which it is not tried again
_lock = threading.Lock()


# --- routing ---------------------------------------------------------------------------------------------------

class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session, sending a read to the replica when the request asked for it and has not written."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and has_request_context() and g.get("replica_reads") and not self._wrote():
            engine = replica_engine()
            if engine is not None:
                g.replica_used = True
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def _wrote(self) -> bool:
        from .extensions import WRITE_INTENT

        if g.get("wrote") or WRITE_INTENT.get() or self._flushing or self.new or self.dirty or self.deleted:
            g.wrote = True  # from now on the whole request is the primary's
            return True
        return False


@sa.event.listens_for(RoutingSession, "after_flush")
def _flushed(_session, _context):
    if has_request_context():
        g.wrote = True


@sa.event.listens_for(RoutingSession, "do_orm_execute")
def _executed(state):
    if has_request_context() and (state.is_insert or state.is_update or state.is_delete):
        g.wrote = True


def replica_engine():
    """The replica's engine (made once per app and URL), or None when none is configured or it is resting."""
    url = current_app.config.get("DATABASE_REPLICA_URL")
    if not url or _down_until.get(url, 0) > time.monotonic():
        return None
    engines = current_app.extensions.setdefault("replica_engines", {})
    engine = engines.get(url)
    if engine is None:
        with _lock:
            engine = engines.get(url)
            if engine is None:
                engine = engines[url] = sa.create_engine(url, **_engine_options(url))
    return engine


def _engine_options(url: str) -> dict:
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # a replica that does not answer is given up quickly (the page is read from the primary instead)
        options["connect_args"] = {"connect_timeout": 2, "options": "-c statement_timeout=15000"}
    return options


def mark_down(url: str | None = None) -> None:
    url = url or current_app.config.get("DATABASE_REPLICA_URL")
    if url:
        _down_until[url] = time.monotonic() + current_app.config.get("REPLICA_RETRY_AFTER_SECONDS", 30)
        engine = current_app.extensions.get("replica_engines", {}).get(url)
        if engine is not None:
            engine.dispose()


# --- read-your-writes ------------------------------------------------------------------------------------------

def _redis():
    """A client of the Redis every app server shares, or None."""
    extensions = current_app.extensions
    if "replica_redis" not in extensions:
        url = _shared_store_url(current_app.config)
        client = None
        if url:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        extensions["replica_redis"] = client
    return extensions["replica_redis"]


def _acting_user_id() -> int | None:
    user = g.get("api_user")
    if user is None:
        from flask_login import current_user

        user = current_user if current_user and current_user.is_authenticated else None
    try:
        return int(user.id) if user is not None else None
    except Exception:  # noqa: BLE001  (an expired instance after a failed commit: no mark, the cookie still has it)
        return None


def note_write() -> None:
    """After a request that wrote: its user reads the primary for the next few seconds."""
    window = current_app.config.get("REPLICA_READ_YOUR_WRITES_SECONDS", 10)
    now = time.time()
    user_id = _acting_user_id()
    if user_id is None:
        return  # no one signed in (a public page's log): their pages read the primary anyway
    if g.get("api_user") is None:
        session[SESSION_KEY] = now
    client = _redis()
    if client is None:
        _local_marks[user_id] = now
        return
    try:
        client.set(REDIS_KEY.format(user_id=user_id), now, px=int(window * 1000) + 1)
    except Exception as error:  # noqa: BLE001
        log.warning("read-your-writes mark not kept in Redis (%s); this host keeps it", type(error).__name__)
        _local_marks[user_id] = now


def wrote_recently(user_id: int | None) -> bool:
    window = current_app.config.get("REPLICA_READ_YOUR_WRITES_SECONDS", 10)
    now = time.time()
    if now - float(session.get(SESSION_KEY, 0) or 0) < window:
        return True
    if user_id is None:
        return False
    if now - _local_marks.get(user_id, 0) < window:
        return True
    client = _redis()
    if client is None:
        return False
    try:
        return client.exists(REDIS_KEY.format(user_id=user_id)) > 0
    except Exception as error:  # noqa: BLE001  (cannot tell: the primary)
        log.warning("read-your-writes mark unreadable (%s): reading the primary", type(error).__name__)
        return True


def _after_request(response):
    if g.get("wrote") and current_app.config.get("DATABASE_REPLICA_URL"):
        try:
            note_write()
        except Exception:  # noqa: BLE001  (never fail a response that has been made)
            log.exception("read-your-writes mark not kept")
    return response


# --- the views' decorator --------------------------------------------------------------------------------------

def reads_from_replica(view):
    """Let this GET view read from the replica (see the module's docstring for when it does)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_app.config.get("DATABASE_REPLICA_URL") or g.get("wrote"):
            return view(*args, **kwargs)
        user_id = _acting_user_id()  # loads the user, from the primary
        if wrote_recently(user_id) or replica_engine() is None:
            return view(*args, **kwargs)
        g.replica_reads = True
        try:
            return view(*args, **kwargs)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            if not g.get("replica_used") or g.get("wrote"):
                raise
            log.warning("replica unreachable (%s): reading the primary for %ss", type(error).__name__,
                        current_app.config.get("REPLICA_RETRY_AFTER_SECONDS", 30))
            from .extensions import db

            db.session.rollback()
            mark_down()
            g.replica_reads = False
            return view(*args, **kwargs)
        finally:
            g.replica_reads = False

    return wrapper


def _shared_store_url(config) -> str:
    limits = config.get("RATELIMIT_STORAGE_URI") or ""
    return os.environ.get("HUEY_REDIS_URL") or (limits if limits.startswith(("redis://", "rediss://")) else "")


def init_app(app) -> None:
    if app.config.get("DATABASE_REPLICA_URL") and not _shared_store_url(app.config) and not app.testing:
        # each process would remember only its own requests' writes: a write through the API, then a page served by
        # another worker, would read the replica and miss it
        raise RuntimeError("DATABASE_REPLICA_URL needs Redis (HUEY_REDIS_URL, or RATELIMIT_STORAGE_URI=redis://...) "
                           "for every app server to know who wrote a moment ago")
    app.after_request(_after_request)
