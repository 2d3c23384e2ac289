"""/healthz and /readyz (workflow/health.py): no sign-in, each part's check named, 503 quickly when one fails."""
import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from workflow import health, storage
from workflow.extensions import db


@pytest.fixture(autouse=True)
def every_probe_checks(app, monkeypatch):
    """Each probe below runs its checks (the answer kept 2 s otherwise, test_answers_are_kept_a_moment)."""
    monkeypatch.setitem(app.config, "READYZ_CACHE_SECONDS", 0)


def test_healthz_answers_without_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_checks_the_database_and_the_storage(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    checks = response.json["checks"]
    assert checks["database"]["status"] == "ok" and checks["storage"]["status"] == "ok"
    assert all(isinstance(check["ms"], float) for check in checks.values())
    assert "redis_queue" not in checks and "replica" not in checks  # none configured


def test_readyz_needs_no_sign_in_nor_csrf(app, demo_data):
    app.config["WTF_CSRF_ENABLED"], saved = True, app.config.get("WTF_CSRF_ENABLED", True)
    try:
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = saved


def test_storage_broken(client, monkeypatch):
    def broken():
        raise OSError("disk at /secret/path gone")

    monkeypatch.setattr(storage, "check", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["storage"]
    assert response.json["checks"]["storage"] == {"status": "fail", "error": "OSError",
                                                  "ms": response.json["checks"]["storage"]["ms"]}
    assert response.json["checks"]["database"]["status"] == "ok"
    assert "/secret/path" not in response.get_data(as_text=True)


def test_database_broken(client, monkeypatch):
    dead = sa.create_engine("postgresql+psycopg://someone:hunter2@127.0.0.1:1/nothing",
                            connect_args={"connect_timeout": 1})
    monkeypatch.setattr(health, "db", SimpleNamespace(engine=dead, session=db.session))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database"]
    assert "hunter2" not in response.get_data(as_text=True)


def test_replica_broken_is_degraded_not_down(app, client, monkeypatch):
    """The pages read the primary while the replica is away: a load balancer must keep sending users here."""
    monkeypatch.setitem(app.config, "DATABASE_REPLICA_URL", "postgresql+psycopg://someone:hunter2@127.0.0.1:1/x")
    app.extensions.pop("replica_health_engines", None)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["failed"] == ["replica"]
    assert response.json["checks"]["replica"]["status"] == "fail"
    assert "hunter2" not in response.get_data(as_text=True)


def test_redis_broken(app, client, monkeypatch):
    monkeypatch.setenv("HUEY_REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1/1")
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < health.CHECK_TIMEOUT + 1
    assert response.status_code == 503
    assert response.json["failed"] == ["redis_limits", "redis_queue"]
    assert "hunter2" not in response.get_data(as_text=True)


def test_a_part_that_hangs_is_a_quick_503(client, monkeypatch):
    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.3)
    monkeypatch.setattr(storage, "check", lambda: time.sleep(2))
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert response.json["checks"]["storage"]["error"] == "timeout"


def test_probes_in_a_flood_cost_one_round_of_checks_and_a_hung_part_is_not_started_again(app, client, monkeypatch):
    calls = []

    def slow_storage():
        calls.append(1)
        time.sleep(1)

    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.2)
    monkeypatch.setattr(health, "_running", {})  # not the checks an earlier test left running
    monkeypatch.setattr(health, "_answers", {})  # nor its answer
    monkeypatch.setattr(storage, "check", slow_storage)
    monkeypatch.setitem(app.config, "READYZ_CACHE_SECONDS", 30)
    answers = [client.get("/readyz") for _ in range(20)]  # kept: one round of checks
    assert {a.status_code for a in answers} == {503} and len(calls) == 1
    monkeypatch.setitem(app.config, "READYZ_CACHE_SECONDS", 0)
    again = client.get("/readyz")  # the first storage check still hangs: not started a second time
    assert again.json["checks"]["storage"]["error"] == "timeout" and len(calls) == 1
    assert again.json["checks"]["database"]["status"] == "ok"
