"""Concurrent use (issue 13), on SQLite above all: several officers submitting at once all succeed or get a clean
409, never a 500 or "database is locked"; documents are rendered with no write lock held; a writer kept waiting past
the busy timeout gets a 409 that says to try again; a bulk decision that fails half-way leaves nothing decided."""
from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from workflow.dossiers.models import Dossier, DossierEvent
from workflow.extensions import db
from workflow.pdf import issue
from workflow.pdf.models import Document, DocumentCounter

OFFICERS = ["officer", "officer2", "officer3", "officer4"]


def _sqlite_file(app) -> str | None:
    with app.app_context():
        url = db.engine.url
    return url.database if url.get_backend_name() == "sqlite" else None


def test_officers_submitting_at_once_all_succeed_or_get_a_clean_409(api, app):
    """16 submits at once, 4 by each of 4 unions (each renders and signs its Tờ trình): on SQLite, before WAL, the
    busy timeout and rendering before the write lock, some answered 500 "database is locked"."""
    dossiers = [(user, api.create(user)) for user in OFFICERS for _ in range(4)]
    for user, dossier in dossiers:
        api.attach_required(user, dossier["id"])
    headers = {user: api.headers(user) for user in OFFICERS}
    results = {}
    barrier = threading.Barrier(len(dossiers))

    def submit(user, dossier):
        client = app.test_client()
        barrier.wait()
        try:
            response = client.post(f"/api/v1/dossiers/{dossier['id']}/transitions",
                                   json={"event": "submit", "version": dossier["version"]}, headers=headers[user])
            results[dossier["id"]] = (response.status_code, (response.get_json(silent=True) or {}).get("error"))
        except Exception as exc:  # noqa: BLE001  (the test client raises what a server answers 500 for)
            results[dossier["id"]] = (500, repr(exc))

    threads = [threading.Thread(target=submit, args=pair) for pair in dossiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(dossiers)
    assert all(status == 200 or (status == 409 and "thử lại" in error) for status, error in results.values()), results
    for user, dossier in dossiers:
        current = api.get(user, f"/api/v1/dossiers/{dossier['id']}").json
        submitted = results[dossier["id"]][0] == 200
        assert current["state"] == ("submitted" if submitted else "draft")
        assert len(current["documents"]) == (1 if submitted else 0)
    numbers = sorted((user, d["number"]) for user, dossier in dossiers
                     for d in api.get(user, f"/api/v1/dossiers/{dossier['id']}").json["documents"])
    assert len(numbers) == len(set(numbers))  # each union's Tờ trình numbered 01, 02, 03, 04


def test_documents_are_rendered_with_no_write_lock_held(api, app, monkeypatch):
    """While a step's document is rendered and signed, another writer can take SQLite's write lock at once."""
    path = _sqlite_file(app)
    if path is None:
        pytest.skip("SQLite only (its database-wide write lock): CI runs it in the SQLite pass")
    probes = []
    render = issue.html_to_pdf

    def probing(html):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            probes.append("free")
        except sqlite3.OperationalError as exc:
            probes.append(str(exc))
        finally:
            other.close()
        return render(html)

    monkeypatch.setattr(issue, "html_to_pdf", probing)
    dossier = api.submitted("officer", "union_housing")  # the Tờ trình
    dossier = api.fire_ok("reviewer", dossier, "approve")  # the Biên bản
    api.forwarded(dossier)  # the batch's Tờ trình
    assert probes == ["free", "free", "free"]


def test_a_writer_kept_waiting_past_the_busy_timeout_gets_a_409_that_says_to_try_again(api, app):
    path = _sqlite_file(app)
    if path is None:
        pytest.skip("SQLite only (its busy timeout): CI runs it in the SQLite pass")
    dossier = api.create()
    api.attach_required("officer", dossier["id"])
    with app.app_context():
        engine = db.engine

    def short_wait(dbapi_connection, _record, _proxy):
        dbapi_connection.execute("PRAGMA busy_timeout = 200")

    sa.event.listen(engine, "checkout", short_wait)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer (a process, a stuck request) holds the lock
        refused = api.fire("officer", dossier, "submit", attach=False)
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        sa.event.remove(engine, "checkout", short_wait)
        engine.dispose()  # the pooled connections forget the short wait
    assert refused.status_code == 409, refused.json
    assert "thử lại" in refused.json["error"]
    assert api.view("officer", dossier)["state"] == "draft"
    assert api.fire_ok("officer", dossier, "submit", attach=False)["state"] == "submitted"


def _counts(app):
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(DossierEvent)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Document)),
                sorted(db.session.execute(sa.select(DocumentCounter.organisation_id,
                                                    DocumentCounter.last_sequence)).all()))


@pytest.mark.parametrize("event", ["accept", "reject"])
def test_a_batch_decision_that_fails_half_way_decides_nothing(api, app, monkeypatch, event):
    """Each item is decided in a savepoint; then the Quyết định is issued (accept), or the second item's Thông báo
    (reject), and that fails. On SQLite a savepoint opened outside a transaction was the outermost, and releasing
    it committed: the items decided before the failure stayed decided."""
    first = api.approved(kind="union_housing")
    second = api.approved(kind="union_housing", citizen_id="070085000002")
    batch = api.forwarded(first, second)
    before = _counts(app)
    from workflow.batches import operations

    if event == "accept":
        def failing_decision(*args, **kwargs):
            raise RuntimeError("the decision could not be issued")
        monkeypatch.setattr(operations.documents, "issue_decision", failing_decision)
    else:
        original, seen = operations.documents.issue_for_event, []

        def failing_second(*args, **kwargs):
            seen.append(args)
            if len(seen) == 2:
                raise RuntimeError("the second notice could not be issued")
            return original(*args, **kwargs)
        monkeypatch.setattr(operations.documents, "issue_for_event", failing_second)
    items = [{"dossier_id": d["id"], "version": d["version"], "granted_amount_vnd": 30_000_000}
             for d in batch["dossiers"]]
    with pytest.raises(RuntimeError):  # the test client raises what a server answers 500 for
        api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions",
                 {"event": event, "items": items, "comment": "Không đủ điều kiện."})
    assert [api.view("liaison", d)["state"] for d in (first, second)] == ["forwarded", "forwarded"]
    assert _counts(app) == before
    with app.app_context():
        assert {d.granted_amount_vnd for d in db.session.scalars(sa.select(Dossier))} == {None}
    monkeypatch.undo()
    done = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions",
                    {"event": event, "items": items, "comment": "Không đủ điều kiện."})
    assert done.status_code == 200 and all(r["ok"] for r in done.json["results"]), done.json
