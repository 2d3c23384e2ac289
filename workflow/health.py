"""Health checks for a load balancer and for scripts/cluster: no sign-in, no CSRF, nothing secret in the answer.

GET /healthz: the process answers (touches nothing else): 200 {"status": "ok"}.
GET /readyz: each part this app server needs, with its status and how long it took: the database (SELECT 1), the
replica when DATABASE_REPLICA_URL is set, each Redis configured (the queue's HUEY_REDIS_URL, the sign-in limits'
RATELIMIT_STORAGE_URI when redis://), the file storage (written and read back) and, on Redis, the queue's length.
200 when every check passed, 503 naming the ones that failed; the replica alone failing is 200 "degraded" (the pages
read the primary meanwhile, replica.py: a load balancer must not take every app server out for it). Each check runs
in a thread of its own and is given CHECK_TIMEOUT seconds: a part that does not answer is a 503 within that time,
never a hung probe.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from .extensions import csrf, db

bp = Blueprint("health", __name__)
csrf.exempt(bp)

CHECK_TIMEOUT = 3.0  # seconds per check, all run at once
OPTIONAL = {"replica"}  # failing, the app still serves everything (from the primary)
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _database(engine) -> dict:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return {}


def _redis_url(url: str) -> dict:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT - 0.5, socket_connect_timeout=CHECK_TIMEOUT - 0.5)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _storage() -> dict:
    from . import storage

    storage.check()
    return {}


def _queue() -> dict:
    from .jobs import huey

    return {"pending": huey.pending_count()}


def _checks(app) -> dict:
    checks = {"database": lambda: _database(db.engine)}
    if app.config.get("DATABASE_REPLICA_URL"):
        checks["replica"] = lambda: _database(_replica_engine())
    queue_url = os.environ.get("HUEY_REDIS_URL")
    if queue_url:
        checks["redis_queue"] = lambda: _redis_url(queue_url)
    limits_url = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if limits_url.startswith(("redis://", "rediss://")) and limits_url != queue_url:
        checks["redis_limits"] = lambda: _redis_url(limits_url)
    checks["storage"] = _storage
    from huey import RedisHuey

    from .jobs import huey

    if isinstance(huey, RedisHuey):
        checks["queue"] = _queue
    return checks


def _replica_engine():
    """The replica's own engine, even while the pages leave it alone after a failure (replica.mark_down)."""
    url = current_app.config["DATABASE_REPLICA_URL"]
    engines = current_app.extensions.setdefault("replica_health_engines", {})
    if url not in engines:
        from .replica import _engine_options

        engines[url] = sa.create_engine(url, poolclass=sa.pool.NullPool,
                                        **{k: v for k, v in _engine_options(url).items() if k != "pool_pre_ping"})
    return engines[url]


def _timed(app, check):
    with app.app_context():
        started = time.perf_counter()
        try:
            extra = check() or {}
            result = {"status": "ok", **extra}
        except Exception as error:  # noqa: BLE001  (the class only: a message may hold an address or a key)
            result = {"status": "fail", "error": type(error).__name__}
        finally:
            if "db" in app.extensions:
                db.session.remove()
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return result


# Probes from anyone, as often as they like, cost at most one round of checks per READYZ_CACHE_SECONDS per process:
# one round at a time (the others wait for it, or take the last answer), its answer kept that long, and a check
# still running from an earlier round (a part that hangs) is not started again: it is reported as timing out.
_round = threading.Lock()
_answers: dict[int, tuple[float, dict, int]] = {}  # id(app) -> (when, body, status)
_running: dict[tuple[int, str], Future] = {}


@bp.get("/readyz")
def readyz():
    app = current_app._get_current_object()
    keep = app.config.get("READYZ_CACHE_SECONDS", 2.0)
    if not _round.acquire(timeout=CHECK_TIMEOUT + 1):
        answer = _answers.get(id(app))
        return _answer(answer[1], answer[2]) if answer else _answer({"status": "fail", "error": "busy"}, 503)
    try:
        answer = _answers.get(id(app))
        if answer is None or time.monotonic() - answer[0] >= keep:
            answer = (time.monotonic(), *_run_checks(app))
            _answers[id(app)] = answer
    finally:
        _round.release()
    return _answer(answer[1], answer[2])


def _answer(body: dict, status: int):
    return _no_store(jsonify(body)), status


def _run_checks(app) -> tuple[dict, int]:
    futures = {}
    results = {}
    for name, check in _checks(app).items():
        earlier = _running.get((id(app), name))
        if earlier is not None and not earlier.done():
            results[name] = {"status": "fail", "error": "timeout", "ms": CHECK_TIMEOUT * 1000}
            continue
        futures[name] = _running[(id(app), name)] = _pool.submit(_timed, app, check)
    deadline = time.monotonic() + CHECK_TIMEOUT
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            results[name] = {"status": "fail", "error": "timeout", "ms": CHECK_TIMEOUT * 1000}
    failed = sorted(name for name, result in results.items() if result["status"] != "ok")
    fatal = [name for name in failed if name not in OPTIONAL]
    body = {"status": "fail" if fatal else "degraded" if failed else "ok", "checks": dict(sorted(results.items()))}
    if failed:
        body["failed"] = failed
    return body, 503 if fatal else 200
