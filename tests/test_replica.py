"""Reads from a replica (workflow/replica.py): the lists, home pages and dossier pages read DATABASE_REPLICA_URL,
never in a request that wrote, never in the seconds after the same user wrote (web or API), and the primary when
the replica cannot be reached. The replica here is a copy of the test database taken after the demo data: what is
written afterwards is on the primary only, so a page that shows it was read from the primary."""
import logging
import sqlite3

import pytest
import sqlalchemy as sa

from tests.daily.test_lists_and_language import ids_in
from workflow import replica
from workflow.extensions import db, limiter


@pytest.fixture
def statements():
    """The database file each SQL statement went to, in order."""
    seen = []

    def record(conn, _cursor, statement, *_args):
        seen.append(conn.engine.url.database)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


@pytest.fixture
def with_replica(app, demo_data, tmp_path, monkeypatch):
    """A copy of the database as it is now, configured as the replica; returns its name (a file on SQLite, a
    database made from the test database as its template on PostgreSQL), as the `statements` fixture records it."""
    with app.app_context():
        primary = db.engine.url
        db.session.remove()
        db.engine.dispose()  # PostgreSQL copies a template no one is connected to
    if primary.get_backend_name() == "sqlite":
        name = str(tmp_path / "replica.sqlite")
        source, copy = sqlite3.connect(primary.database), sqlite3.connect(name)
        source.backup(copy)
        source.close()
        copy.close()
        url, drop = f"sqlite:///{name}", None
    else:
        name = f"{primary.database}_replica"
        admin = sa.create_engine(primary.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{primary.database}"'))
        url = primary.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    monkeypatch.setitem(app.config, "DATABASE_REPLICA_URL", url)
    monkeypatch.setitem(app.config, "REPLICA_READ_YOUR_WRITES_SECONDS", 10)
    replica._local_marks.clear()
    replica._down_until.clear()
    yield name
    for engine in app.extensions.pop("replica_engines", {}).values():
        engine.dispose()
    replica._local_marks.clear()
    replica._down_until.clear()
    if drop:
        drop()


def _later(monkeypatch, seconds=60):
    """Move the read-your-writes clock on: what the users wrote is older than the window."""
    now = replica.time.time()
    monkeypatch.setattr(replica.time, "time", lambda: now + seconds)


def test_a_list_page_reads_from_the_replica(api, browser, with_replica, statements, monkeypatch):
    officer = browser("officer")
    written = api.create("officer")  # on the primary only: the replica was copied before
    _later(monkeypatch)

    statements.clear()
    page = officer.get("/dossiers")
    assert page.status_code == 200
    assert with_replica in statements  # the list was read from the replica...
    assert written["id"] not in ids_in(page.get_data(as_text=True))  # ...which does not have the new dossier yet
    for url in ("/", "/campaigns"):
        statements.clear()
        assert officer.get(url).status_code == 200
        assert with_replica in statements


def test_after_a_write_the_same_user_reads_the_primary(api, browser, with_replica, statements):
    officer = browser("officer")  # signing in is a POST that writes
    statements.clear()
    page = officer.get("/dossiers")
    assert page.status_code == 200
    assert statements and with_replica not in statements

    written = api.create("officer")  # through the API: the same user's next page is read from the primary too
    statements.clear()
    page = officer.get("/dossiers")
    assert with_replica not in statements
    assert written["id"] in ids_in(page.get_data(as_text=True))
    assert officer.get(f"/dossiers/{written['id']}").status_code == 200  # not on the replica: found on the primary


def test_another_users_write_does_not_keep_me_off_the_replica(api, browser, with_replica, statements, monkeypatch):
    reviewer = browser("reviewer")
    _later(monkeypatch, 30)
    api.create("officer")  # the officer wrote just now (on the shifted clock): the reviewer is not concerned
    statements.clear()
    assert reviewer.get("/dossiers").status_code == 200
    assert with_replica in statements


def test_writes_never_go_to_the_replica(api, browser, with_replica, statements, monkeypatch):
    officer = browser("officer")
    _later(monkeypatch)
    dossier = api.create("officer")
    statements.clear()
    response = officer.post(f"/dossiers/{dossier['id']}/edit", data={"version": dossier["version"]})
    assert response.status_code in (200, 302, 422)
    assert with_replica not in statements


def test_the_replica_down_the_primary_answers(app, api, browser, with_replica, statements, monkeypatch, caplog):
    officer = browser("officer")
    written = api.create("officer")
    _later(monkeypatch)
    monkeypatch.setitem(app.config, "DATABASE_REPLICA_URL", "sqlite:////nonexistent-folder/replica.sqlite")
    with caplog.at_level(logging.WARNING, logger="workflow.replica"):
        page = officer.get("/dossiers")
    assert page.status_code == 200
    assert written["id"] in ids_in(page.get_data(as_text=True))  # read from the primary
    assert "replica unreachable" in caplog.text
    statements.clear()
    caplog.clear()
    assert officer.get("/dossiers").status_code == 200  # left alone for a while: not tried again at once
    assert "/nonexistent-folder/replica.sqlite" not in statements
    assert "replica unreachable" not in caplog.text


def test_without_a_replica_nothing_changes(api, browser, statements):
    officer = browser("officer")
    written = api.create("officer")
    assert written["id"] in ids_in(officer.get("/dossiers").get_data(as_text=True))


def test_a_replica_without_a_shared_store_of_writes_is_refused_at_start(app, tmp_path, monkeypatch):
    """Without Redis each worker would know only its own requests' writes: a write through the API, then a page
    from another worker, would read the replica and miss it. The app refuses to start so configured."""
    from workflow import create_app

    monkeypatch.delenv("HUEY_REDIS_URL", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}", "SECRET_KEY": "x",
              "STORAGE_DIR": str(tmp_path / "s"), "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'b.sqlite'}",
              "RATELIMIT_STORAGE_URI": "memory://"}
    try:
        with pytest.raises(RuntimeError, match="needs Redis"):
            create_app(config)
        create_app({**config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"})  # with one, it starts
    finally:
        limiter.init_app(app)  # one limiter per process: the session's app's again (conftest.other_workers)
        limiter._storage_dead = False
